/**
 * The errors of HTTP ingest, as data: one table of `{ status, errorCode }` per kind. As in
 * Confluent's REST Proxy, an `error_code` is the HTTP status times 100 plus a sub-code
 * (40401 "topic not found"), so `Math.floor(error_code / 100)` is always the status.
 */

/** Every kind of error an ingest request can get, with its HTTP status and error code. */
export const INGEST_ERRORS = {
  /** The body is not JSON / NDJSON (the message has the line and column) or not UTF-8. */
  INVALID_JSON: { status: 400, errorCode: 40001 },
  /** A record lacks `value`, has an unknown field, or a field of the wrong type (the message names the record and field). */
  INVALID_RECORD: { status: 400, errorCode: 40002 },
  /** The topic name is not a legal Kafka topic name, or names an internal topic. */
  INVALID_TOPIC: { status: 400, errorCode: 40003 },
  /** No such endpoint. */
  NOT_FOUND: { status: 404, errorCode: 40400 },
  /** The topic does not exist (and auto-creation is off or failed). */
  TOPIC_NOT_FOUND: { status: 404, errorCode: 40401 },
  /** A record names a partition the topic does not have. */
  PARTITION_NOT_FOUND: { status: 404, errorCode: 40402 },
  /** The endpoint exists but not for this method (the `Allow` header lists the methods). */
  METHOD_NOT_ALLOWED: { status: 405, errorCode: 40501 },
  /** The body is larger than the server's `bodyBytesMax`. */
  BODY_TOO_LARGE: { status: 413, errorCode: 41301 },
  /** The Content-Type is not JSON, NDJSON or plain text, or its charset is not UTF-8. */
  UNSUPPORTED_MEDIA_TYPE: { status: 415, errorCode: 41501 },
  /** The log refused a batch (max.message.bytes, timestamp bounds, a keyless record on a compacted topic). */
  RECORDS_REJECTED: { status: 422, errorCode: 42201 },
  /** A fault of the server itself (a bug: the message says what threw). */
  INTERNAL: { status: 500, errorCode: 50000 },
  /** Writing to the log failed (I/O, a broker that does not answer). */
  LOG_ERROR: { status: 500, errorCode: 50001 },
  /** The server is shutting down. */
  UNAVAILABLE: { status: 503, errorCode: 50301 },
} as const;

/** The name of an ingest error kind. */
export type IngestErrorKind = keyof typeof INGEST_ERRORS;

/** An error answered to the HTTP client as `{ error_code, message }` with its status. */
export class IngestError extends Error {
  override readonly name = "IngestError";
  readonly status: number;
  readonly errorCode: number;

  constructor(
    readonly kind: IngestErrorKind,
    message: string,
    options: { cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.status = INGEST_ERRORS[kind].status;
    this.errorCode = INGEST_ERRORS[kind].errorCode;
  }

  /** The JSON body answered for this error. */
  body(): { error_code: number; message: string } {
    return { error_code: this.errorCode, message: this.message };
  }
}
