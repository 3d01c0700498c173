/**
 * The broker's handlers, one file per API key: this list is what ApiVersions advertises.
 */
import type { AnyApiHandler } from "../dispatch.js";
import type { BrokerState } from "../state.js";
import { produceHandler } from "./00-produce.js";
import { fetchHandler } from "./01-fetch.js";
import { listOffsetsHandler } from "./02-list-offsets.js";
import { metadataHandler } from "./03-metadata.js";
import { offsetCommitHandler } from "./08-offset-commit.js";
import { offsetFetchHandler } from "./09-offset-fetch.js";
import { findCoordinatorHandler } from "./10-find-coordinator.js";
import { joinGroupHandler } from "./11-join-group.js";
import { heartbeatHandler } from "./12-heartbeat.js";
import { leaveGroupHandler } from "./13-leave-group.js";
import { syncGroupHandler } from "./14-sync-group.js";
import { describeGroupsHandler } from "./15-describe-groups.js";
import { listGroupsHandler } from "./16-list-groups.js";
import { apiVersionsHandler } from "./18-api-versions.js";
import { createTopicsHandler } from "./19-create-topics.js";
import { deleteTopicsHandler } from "./20-delete-topics.js";
import { initProducerIdHandler } from "./22-init-producer-id.js";
import { describeConfigsHandler } from "./32-describe-configs.js";
import { createPartitionsHandler } from "./37-create-partitions.js";
import { deleteGroupsHandler } from "./42-delete-groups.js";
import { incrementalAlterConfigsHandler } from "./44-incremental-alter-configs.js";
import { offsetDeleteHandler } from "./47-offset-delete.js";

/** Every API the broker answers, in key order. */
export const handlers: readonly AnyApiHandler<BrokerState>[] = [
  produceHandler,
  fetchHandler,
  listOffsetsHandler,
  metadataHandler,
  offsetCommitHandler,
  offsetFetchHandler,
  findCoordinatorHandler,
  joinGroupHandler,
  heartbeatHandler,
  leaveGroupHandler,
  syncGroupHandler,
  describeGroupsHandler,
  listGroupsHandler,
  apiVersionsHandler,
  createTopicsHandler,
  deleteTopicsHandler,
  initProducerIdHandler,
  describeConfigsHandler,
  createPartitionsHandler,
  deleteGroupsHandler,
  incrementalAlterConfigsHandler,
  offsetDeleteHandler,
];
