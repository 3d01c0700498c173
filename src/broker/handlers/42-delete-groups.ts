/**
 * DeleteGroups (key 42), versions 0-2.
 *
 * Deletes empty groups with their committed offsets (tombstones in __consumer_offsets).
 * A group with members gets NON_EMPTY_GROUP, an unknown one GROUP_ID_NOT_FOUND. A name given
 * twice is answered once, as Kafka works on the set of names.
 */
import { ApiKey } from "../../protocol/api-keys.js";
import type { ApiHandler } from "../dispatch.js";
import type { BrokerState } from "../state.js";

/** The DeleteGroups handler. */
export const deleteGroupsHandler: ApiHandler<typeof ApiKey.DeleteGroups, BrokerState> = {
  apiKey: ApiKey.DeleteGroups,
  minVersion: 0,
  maxVersion: 2,
  async handle(state, req) {
    const results = await state.groups.deleteGroups([...new Set(req.groupsNames)]);
    return { throttleTimeMs: 0, results };
  },
};
