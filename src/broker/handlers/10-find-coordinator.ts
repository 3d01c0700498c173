/**
 * FindCoordinator (key 10), versions 0-6.
 *
 * Weir is one node, so it coordinates every group: the answer is always this broker. v4+ asks
 * for several keys at once (KIP-699) and gets one entry per key. Key type 0 is a consumer group
 * and 1 a transactional id (answered the same way; InitProducerId then says what Weir supports);
 * share groups (type 2, v6) do not exist in Weir and get INVALID_REQUEST.
 */
import { ApiKey } from "../../protocol/api-keys.js";
import { KafkaErrors } from "../../protocol/errors.js";
import type { KafkaErrorInfo } from "../../protocol/errors.js";
import type { ApiHandler } from "../dispatch.js";
import type { BrokerState } from "../state.js";

const GROUP_KEY_TYPE = 0;
const TRANSACTION_KEY_TYPE = 1;

/** The FindCoordinator handler. */
export const findCoordinatorHandler: ApiHandler<typeof ApiKey.FindCoordinator, BrokerState> = {
  apiKey: ApiKey.FindCoordinator,
  minVersion: 0,
  maxVersion: 6,
  handle(state, req, version) {
    let error: KafkaErrorInfo = KafkaErrors.NONE;
    if (req.keyType !== GROUP_KEY_TYPE && req.keyType !== TRANSACTION_KEY_TYPE) error = KafkaErrors.INVALID_REQUEST;
    else if (state.groups.isClosed) error = KafkaErrors.COORDINATOR_NOT_AVAILABLE;
    const ok = error.code === KafkaErrors.NONE.code;
    // Kafka answers errors with node -1 and no address.
    const node = ok ? { nodeId: state.config.nodeId, host: state.advertised.host, port: state.advertised.port } : { nodeId: -1, host: "", port: -1 };
    const errorMessage = ok ? null : error.message;
    if (version >= 4) {
      return { throttleTimeMs: 0, coordinators: req.coordinatorKeys.map((key) => ({ key, ...node, errorCode: error.code, errorMessage })) };
    }
    return { throttleTimeMs: 0, errorCode: error.code, errorMessage, ...node };
  },
};
