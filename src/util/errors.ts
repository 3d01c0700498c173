/**
 * The one error type Weir throws for operating errors (bad input from outside, I/O faults,
 * exceeded limits). Programmer errors use `assert()` instead and are never caught.
 *
 * Every error carries a `code` from a closed union, so callers branch on data rather than on
 * message text, plus a `retriable` hint and structured `details` (the offending values).
 */
export type WeirErrorCode =
  /** Bytes that do not follow the Kafka wire grammar (truncated, negative length, bad varint). */
  | "PROTOCOL_DECODE"
  /** A length, count or size above a limit of src/util/limits.ts. */
  | "LIMIT_EXCEEDED"
  /** A record batch whose CRC, magic, length or record count is wrong. */
  | "CORRUPT_BATCH"
  /** A compression codec id outside 0..4, or a codec failure. */
  | "COMPRESSION"
  /** A value given by a caller that is out of its domain (bad option, bad offset). */
  | "INVALID_ARGUMENT"
  /** A request for an offset outside [logStart, logEnd]. */
  | "OFFSET_OUT_OF_RANGE"
  /** A topic, partition or file that does not exist. */
  | "NOT_FOUND"
  /** A topic or file that already exists where a new one was asked for. */
  | "ALREADY_EXISTS"
  /** Stored data that fails validation on read (never returned to a caller as data). */
  | "LOG_CORRUPT"
  /** A filesystem or socket fault. */
  | "IO"
  /** An operation on a closed log, segment or connection. */
  | "CLOSED"
  /** A configuration value that is missing or malformed. */
  | "CONFIG"
  /** A well-formed record the log refuses (a keyless record on a compacted topic: Kafka's INVALID_RECORD). */
  | "INVALID_RECORD"
  /** A record timestamp outside the topic's message.timestamp.before/after.max.ms bounds. */
  | "INVALID_TIMESTAMP"
  /** A query that does not analyse: an unknown column or function, a type mismatch (Spark's AnalysisException). */
  | "ANALYSIS"
  /** A SQL expression or DDL type string that does not parse (Spark's ParseException). */
  | "PARSE"
  /** A fault while a query runs: an ANSI cast or arithmetic failure, a FAILFAST malformed record, a UDF that threw. */
  | "EXECUTION"
  /** A streaming checkpoint that is damaged, or was written by an incompatible query. */
  | "CHECKPOINT";

/** Options for {@link WeirError}. */
export interface WeirErrorOptions {
  /** The underlying fault, if any. */
  cause?: unknown;
  /** Whether repeating the same operation may succeed. Defaults to false. */
  retriable?: boolean;
  /** Structured facts about the fault (offending values, limits, names). */
  details?: Record<string, unknown>;
}

/** See the module comment. */
export class WeirError extends Error {
  override readonly name = "WeirError";
  readonly code: WeirErrorCode;
  readonly retriable: boolean;
  readonly details: Readonly<Record<string, unknown>>;

  constructor(code: WeirErrorCode, message: string, options: WeirErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.retriable = options.retriable ?? false;
    this.details = options.details ?? {};
  }
}

/** True when `e` is a {@link WeirError}, optionally of the given code. */
export function isWeirError(e: unknown, code?: WeirErrorCode): e is WeirError {
  return e instanceof WeirError && (code === undefined || e.code === code);
}
