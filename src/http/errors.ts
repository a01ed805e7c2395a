import { t } from 'elysia'

/** The body of every error answer: routes declare it for their 4xx/5xx statuses. */
export const ErrorBody = t.Object(
  {
    detail: t.String({ maxLength: 2048 }),
    request_id: t.Optional(t.String({ maxLength: 128, description: 'Only on 500: the X-Request-Id to quote when reporting it' })),
  },
  { title: 'Error' },
)

const VALIDATION_DETAIL = 'Request validation failed'

/** The 422 body: every wrong field named, with what is wrong with it. */
export const ValidationErrorBody = t.Object(
  {
    detail: t.Literal(VALIDATION_DETAIL),
    errors: t.Array(t.Object({ field: t.String({ maxLength: 256 }), message: t.String({ maxLength: 1024 }) }), { maxItems: 50 }),
  },
  { title: 'ValidationError' },
)

/** An error a client may see: its status and `detail` are the whole response. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly detail: string,
    readonly headers: Record<string, string> = {},
    readonly extra: Record<string, unknown> = {},
  ) {
    super(detail)
  }

  /** What the client receives: `{detail}` plus any documented extras (`errors`, `hint`). */
  get body(): { detail: string } & Record<string, unknown> {
    return { detail: this.detail, ...this.extra }
  }
}

const CREDENTIALS_DETAIL = 'Could not validate credentials'

export class Unauthorized extends HttpError {
  constructor(detail = CREDENTIALS_DETAIL) {
    super(401, detail, { 'WWW-Authenticate': 'Bearer' })
  }
}

export class Forbidden extends HttpError {
  constructor(detail: string) {
    super(403, detail)
  }
}

export class NotFound extends HttpError {
  constructor(detail = 'Not Found') {
    super(404, detail)
  }
}

export class Conflict extends HttpError {
  constructor(detail: string) {
    super(409, detail)
  }
}

export class TooManyRequests extends HttpError {
  constructor(detail: string, retryAfterSeconds: number, headers: Record<string, string> = {}) {
    super(429, detail, { 'Retry-After': String(Math.max(1, Math.ceil(retryAfterSeconds))), ...headers })
  }
}

export class ServiceUnavailable extends HttpError {
  /** `hint` tells an operator what to set; `detail` stays the exact, documented message clients compare. */
  constructor(detail: string, hint?: string) {
    super(503, detail, {}, hint === undefined ? {} : { hint })
  }
}

export class BadGateway extends HttpError {
  constructor(detail: string) {
    super(502, detail)
  }
}

/** One wrong field of a request, as a 422 names it. */
export interface FieldError {
  field: string
  message: string
}

/** 422 with the shape of schema validation failures: `{detail, errors: [{field, message}]}`, every wrong field named. */
export class ValidationFailed extends HttpError {
  constructor(readonly errors: FieldError[]) {
    super(422, VALIDATION_DETAIL, {}, { errors })
  }

  /** A 422 naming one field. */
  static field(field: string, message: string): ValidationFailed {
    return new ValidationFailed([{ field, message }])
  }

  /** Throws a 422 naming `errors`, if there are any. */
  static throwIfAny(errors: FieldError[]): void {
    if (errors.length) throw new ValidationFailed(errors)
  }
}
