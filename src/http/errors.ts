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

/** 422 with the same shape as schema validation failures. */
export class ValidationFailed extends HttpError {
  constructor(field: string, message: string) {
    super(422, 'Request validation failed', {}, { errors: [{ field, message }] })
  }
}

export interface FieldError {
  field: string
  message: string
}
