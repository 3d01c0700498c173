/**
 * InitProducerId (API key 22): requests and responses v0-5; flexible from v2.
 *
 * v3 lets a producer pass its current id and epoch to resume after INVALID_PRODUCER_EPOCH; v4
 * may answer PRODUCER_FENCED; v5 TRANSACTION_ABORTABLE (KIP-890).
 */
import type { Decoded, Encodable } from "../schema/index.js";
import { message, t } from "../schema/index.js";

/** InitProducerId request. */
export const InitProducerIdRequest = message({
  name: "InitProducerIdRequest",
  apiKey: 22,
  type: "request",
  validVersions: "0-5",
  flexibleVersions: "2+",
  fields: {
    transactionalId: t.string("0+", { nullableVersions: "0+" }),
    transactionTimeoutMs: t.int32("0+"),
    producerId: t.int64("3+", { default: -1 }),
    producerEpoch: t.int16("3+", { default: -1 }),
  },
});
/** A decoded InitProducerId request. */
export type InitProducerIdRequest = Decoded<typeof InitProducerIdRequest>;

/** InitProducerId response. */
export const InitProducerIdResponse = message({
  name: "InitProducerIdResponse",
  apiKey: 22,
  type: "response",
  validVersions: "0-5",
  flexibleVersions: "2+",
  fields: {
    throttleTimeMs: t.int32("0+"),
    errorCode: t.int16("0+"),
    producerId: t.int64("0+", { default: -1 }),
    producerEpoch: t.int16("0+"),
  },
});
/** A decoded InitProducerId response. */
export type InitProducerIdResponse = Decoded<typeof InitProducerIdResponse>;
/** What the InitProducerId response encoder accepts. */
export type InitProducerIdResponseInput = Encodable<typeof InitProducerIdResponse>;
