/**
 * Kafka error codes in responses, turned into {@link WeirError}s.
 *
 * A broker's answer carries error codes as data; the client turns a non-zero code into a thrown
 * WeirError only where the caller cannot go on. Its `code` says what kind of fault it is for a
 * caller that branches on it (NOT_FOUND for a missing group or topic, ALREADY_EXISTS for a topic
 * that exists, INVALID_ARGUMENT for a value the broker refused as malformed, IO for any other
 * refusal by the remote broker), its `details.kafkaError` names Kafka's error, and `retriable`
 * follows Kafka's table.
 */
import { KafkaErrors, kafkaErrorByCode, kafkaErrorName } from "../../protocol/errors.js";
import { WeirError, isWeirError, type WeirErrorCode } from "../../util/errors.js";

/** Kafka errors that mean "the named thing is not there". */
const NOT_FOUND_ERRORS: ReadonlySet<number> = new Set([
  KafkaErrors.GROUP_ID_NOT_FOUND.code,
  KafkaErrors.UNKNOWN_TOPIC_OR_PARTITION.code,
  KafkaErrors.UNKNOWN_TOPIC_ID.code,
]);

/** Kafka errors that mean "the value you sent is malformed". */
const INVALID_ARGUMENT_ERRORS: ReadonlySet<number> = new Set([
  KafkaErrors.INVALID_GROUP_ID.code,
  KafkaErrors.INVALID_TOPIC_EXCEPTION.code,
  KafkaErrors.INVALID_PARTITIONS.code,
  KafkaErrors.INVALID_REPLICATION_FACTOR.code,
  KafkaErrors.INVALID_CONFIG.code,
  KafkaErrors.INVALID_COMMIT_OFFSET_SIZE.code,
  KafkaErrors.OFFSET_METADATA_TOO_LARGE.code,
  KafkaErrors.INVALID_SESSION_TIMEOUT.code,
]);

/** The WeirError code for a Kafka error code. */
function weirCodeFor(kafkaCode: number): WeirErrorCode {
  if (NOT_FOUND_ERRORS.has(kafkaCode)) return "NOT_FOUND";
  if (INVALID_ARGUMENT_ERRORS.has(kafkaCode)) return "INVALID_ARGUMENT";
  if (kafkaCode === KafkaErrors.OFFSET_OUT_OF_RANGE.code) return "OFFSET_OUT_OF_RANGE";
  if (kafkaCode === KafkaErrors.TOPIC_ALREADY_EXISTS.code) return "ALREADY_EXISTS";
  return "IO";
}

/**
 * A WeirError for Kafka error `kafkaCode` answered to `what` (e.g. "OffsetCommit of group g at
 * 127.0.0.1:9092"). The message names the error and Kafka's description of it; `serverMessage`
 * (the error message some responses carry) is added when present.
 */
export function kafkaError(kafkaCode: number, what: string, serverMessage?: string | null): WeirError {
  const info = kafkaErrorByCode(kafkaCode);
  const name = kafkaErrorName(kafkaCode);
  const text = serverMessage !== undefined && serverMessage !== null && serverMessage !== "" ? serverMessage : (info?.message ?? "");
  return new WeirError(weirCodeFor(kafkaCode), `${what}: ${name}${text === "" ? "" : ` (${text})`}`, {
    retriable: info?.retriable ?? false,
    details: { kafkaError: name, kafkaErrorCode: kafkaCode },
  });
}

/** Throws {@link kafkaError} unless `kafkaCode` is 0 (NONE). */
export function throwIfKafkaError(kafkaCode: number, what: string, serverMessage?: string | null): void {
  if (kafkaCode !== KafkaErrors.NONE.code) throw kafkaError(kafkaCode, what, serverMessage);
}

/** The Kafka error name a WeirError from {@link kafkaError} carries, or undefined for any other error. */
export function kafkaErrorNameOf(e: unknown): string | undefined {
  if (!isWeirError(e)) return undefined;
  const name = e.details.kafkaError;
  return typeof name === "string" ? name : undefined;
}
