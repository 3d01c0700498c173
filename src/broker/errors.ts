/**
 * Maps operating errors of the inner layers to Kafka error codes. Handlers put the result in a
 * per-partition or per-topic `errorCode` (errors are data); nothing here closes a connection.
 */
import { KafkaErrors } from "../protocol/errors.js";
import { isWeirError } from "../util/errors.js";

/** The Kafka error code that answers `e` (a WeirError from the log or codec, or anything else). */
export function kafkaErrorCodeOf(e: unknown): number {
  if (!isWeirError(e)) return KafkaErrors.UNKNOWN_SERVER_ERROR.code;
  switch (e.code) {
    case "CORRUPT_BATCH":
    case "COMPRESSION":
    case "PROTOCOL_DECODE":
      return KafkaErrors.CORRUPT_MESSAGE.code;
    case "INVALID_RECORD":
      return KafkaErrors.INVALID_RECORD.code;
    case "INVALID_TIMESTAMP":
      return KafkaErrors.INVALID_TIMESTAMP.code;
    case "LIMIT_EXCEEDED":
      return KafkaErrors.MESSAGE_TOO_LARGE.code;
    case "OFFSET_OUT_OF_RANGE":
      return KafkaErrors.OFFSET_OUT_OF_RANGE.code;
    case "NOT_FOUND":
    case "CLOSED":
      return KafkaErrors.UNKNOWN_TOPIC_OR_PARTITION.code;
    case "ALREADY_EXISTS":
      return KafkaErrors.TOPIC_ALREADY_EXISTS.code;
    case "CONFIG":
      return KafkaErrors.INVALID_CONFIG.code;
    case "INVALID_ARGUMENT":
      return KafkaErrors.INVALID_REQUEST.code;
    case "IO":
      return KafkaErrors.KAFKA_STORAGE_ERROR.code;
    default:
      return KafkaErrors.UNKNOWN_SERVER_ERROR.code;
  }
}

/** The message of `e` for a response's errorMessage field. */
export function errorMessageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
