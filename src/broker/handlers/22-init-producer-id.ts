/**
 * InitProducerId (key 22), versions 0-4.
 *
 * Gives an idempotent producer a fresh producer id with epoch 0. Ids come from a block reserved
 * durably on disk, so no id is handed out twice across restarts. Transactional ids are not
 * supported yet: such requests get TRANSACTIONAL_ID_AUTHORIZATION_FAILED with nothing changed.
 */
import { ApiKey } from "../../protocol/api-keys.js";
import { KafkaErrors } from "../../protocol/errors.js";
import type { ApiHandler } from "../dispatch.js";
import { kafkaErrorCodeOf } from "../errors.js";
import type { BrokerState } from "../state.js";

/** The InitProducerId handler. */
export const initProducerIdHandler: ApiHandler<typeof ApiKey.InitProducerId, BrokerState> = {
  apiKey: ApiKey.InitProducerId,
  minVersion: 0,
  maxVersion: 4,
  async handle(state, req) {
    if (req.transactionalId !== null) {
      return { throttleTimeMs: 0, errorCode: KafkaErrors.TRANSACTIONAL_ID_AUTHORIZATION_FAILED.code, producerId: -1, producerEpoch: -1 };
    }
    try {
      return { throttleTimeMs: 0, errorCode: KafkaErrors.NONE.code, producerId: await state.producers.allocateId(), producerEpoch: 0 };
    } catch (e) {
      return { throttleTimeMs: 0, errorCode: kafkaErrorCodeOf(e), producerId: -1, producerEpoch: -1 };
    }
  },
};
