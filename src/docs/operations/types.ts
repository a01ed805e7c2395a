/** What the central table adds to one operation of the generated document. */
export interface ResponseDoc {
  description: string
  /** The body, as the API sends it; omitted for bodiless answers (204). */
  example?: unknown
  /** Instead of `example`, where one answer has several shapes: named examples. */
  examples?: Record<string, { summary: string; value: unknown }>
}

export interface OperationDoc {
  /** The operation's longer description, where the route's `detail` has none. */
  description?: string
  /** A request body as a client would send it (one example for every content type). */
  request?: unknown
  /** The only request content types the route accepts, where it refuses the others (415). */
  requestTypes?: string[]
  /** Answers by status; a status the route did not declare is added ({detail} JSON from 400 up). */
  responses: Record<string, ResponseDoc>
  /** Statuses the route declares but can never answer. */
  impossible?: string[]
}

/** Keyed by `METHOD /path` as the document spells it, e.g. `POST /api/v2/auth/login`. */
export type OperationTable = Record<string, OperationDoc>
