/**
 * DescribeGroups (key 15), versions 0-5.
 *
 * Each group's state, protocol type, chosen protocol and members; the members' metadata and
 * assignment bytes only while the group is Stable (Kafka's GroupSummary). A group that does not
 * exist is answered as Dead with no members and no error, as Kafka does up to v5. v3+ may ask
 * for the authorized operations: without ACLs every group operation is allowed.
 */
import { ApiKey } from "../../protocol/api-keys.js";
import { KafkaErrors } from "../../protocol/errors.js";
import type { ApiHandler } from "../dispatch.js";
import type { BrokerState } from "../state.js";

/** Kafka's AclOperation codes of what may be done to a group: READ, DELETE and DESCRIBE. */
const GROUP_OPERATIONS = (1 << 3) | (1 << 6) | (1 << 8);
/** Kafka's "not requested" value of authorized_operations. */
const OPERATIONS_NOT_REQUESTED = -2147483648;

/** The DescribeGroups handler. */
export const describeGroupsHandler: ApiHandler<typeof ApiKey.DescribeGroups, BrokerState> = {
  apiKey: ApiKey.DescribeGroups,
  minVersion: 0,
  maxVersion: 5,
  handle(state, req, version) {
    const closed = state.groups.isClosed;
    const operations = version >= 3 && req.includeAuthorizedOperations ? GROUP_OPERATIONS : OPERATIONS_NOT_REQUESTED;
    return {
      throttleTimeMs: 0,
      groups: req.groups.map((groupId) => {
        if (closed) {
          return { errorCode: KafkaErrors.COORDINATOR_NOT_AVAILABLE.code, groupId, groupState: "", protocolType: "", protocolData: "", members: [], authorizedOperations: OPERATIONS_NOT_REQUESTED };
        }
        const d = state.groups.describeGroup(groupId);
        return {
          errorCode: KafkaErrors.NONE.code,
          groupId,
          groupState: d.state,
          protocolType: d.protocolType,
          protocolData: d.protocolData,
          members: d.members,
          authorizedOperations: operations,
        };
      }),
    };
  },
};
