/**
 * ListGroups (key 16), versions 0-5.
 *
 * Every group this broker coordinates — which is every group — with its protocol type ("" for
 * groups that only store offsets). v4 filters by state and reports it (KIP-518), v5 filters by
 * type and reports it (KIP-848): all of Weir's groups are "classic". Filters match without regard
 * to case, as Kafka parses them.
 */
import { ApiKey } from "../../protocol/api-keys.js";
import { KafkaErrors } from "../../protocol/errors.js";
import type { ApiHandler } from "../dispatch.js";
import type { BrokerState } from "../state.js";

const GROUP_TYPE = "classic";

/** The ListGroups handler. */
export const listGroupsHandler: ApiHandler<typeof ApiKey.ListGroups, BrokerState> = {
  apiKey: ApiKey.ListGroups,
  minVersion: 0,
  maxVersion: 5,
  handle(state, req, version) {
    if (state.groups.isClosed) return { throttleTimeMs: 0, errorCode: KafkaErrors.COORDINATOR_NOT_AVAILABLE.code, groups: [] };
    const states = new Set((version >= 4 ? req.statesFilter : []).map((s) => s.toLowerCase()));
    const types = new Set((version >= 5 ? req.typesFilter : []).map((s) => s.toLowerCase()));
    const groups = state.groups
      .listGroups()
      .filter((g) => states.size === 0 || states.has(g.state.toLowerCase()))
      .filter(() => types.size === 0 || types.has(GROUP_TYPE))
      .map((g) => ({ groupId: g.groupId, protocolType: g.protocolType, groupState: g.state, groupType: GROUP_TYPE }));
    return { throttleTimeMs: 0, errorCode: KafkaErrors.NONE.code, groups };
  },
};
