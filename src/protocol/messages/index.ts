/**
 * The registry of the APIs Weir speaks: API key → request and response schemas with their valid
 * and flexible versions, for dispatch. Each API's schemas live in `NN-<api-name>.ts`.
 *
 * `Apis` keeps each entry's precise type, so `RequestOf<typeof ApiKey.Fetch>` is the decoded
 * FetchRequest type and a dispatcher can hand handlers typed values without casts.
 */
import { assert } from "../../util/assert.js";
import { ApiKey } from "../api-keys.js";
import type { AnyMessage, Decoded, Encodable, VersionRange } from "../schema/index.js";
import { ProduceRequest, ProduceResponse } from "./00-produce.js";
import { FetchRequest, FetchResponse } from "./01-fetch.js";
import { ListOffsetsRequest, ListOffsetsResponse } from "./02-list-offsets.js";
import { MetadataRequest, MetadataResponse } from "./03-metadata.js";
import { OffsetCommitRequest, OffsetCommitResponse } from "./08-offset-commit.js";
import { OffsetFetchRequest, OffsetFetchResponse } from "./09-offset-fetch.js";
import { FindCoordinatorRequest, FindCoordinatorResponse } from "./10-find-coordinator.js";
import { JoinGroupRequest, JoinGroupResponse } from "./11-join-group.js";
import { HeartbeatRequest, HeartbeatResponse } from "./12-heartbeat.js";
import { LeaveGroupRequest, LeaveGroupResponse } from "./13-leave-group.js";
import { SyncGroupRequest, SyncGroupResponse } from "./14-sync-group.js";
import { DescribeGroupsRequest, DescribeGroupsResponse } from "./15-describe-groups.js";
import { ListGroupsRequest, ListGroupsResponse } from "./16-list-groups.js";
import { ApiVersionsRequest, ApiVersionsResponse } from "./18-api-versions.js";
import { CreateTopicsRequest, CreateTopicsResponse } from "./19-create-topics.js";
import { DeleteTopicsRequest, DeleteTopicsResponse } from "./20-delete-topics.js";
import { InitProducerIdRequest, InitProducerIdResponse } from "./22-init-producer-id.js";
import { DescribeConfigsRequest, DescribeConfigsResponse } from "./32-describe-configs.js";
import { CreatePartitionsRequest, CreatePartitionsResponse } from "./37-create-partitions.js";
import { DeleteGroupsRequest, DeleteGroupsResponse } from "./42-delete-groups.js";
import { IncrementalAlterConfigsRequest, IncrementalAlterConfigsResponse } from "./44-incremental-alter-configs.js";
import { OffsetDeleteRequest, OffsetDeleteResponse } from "./47-offset-delete.js";

/** One API: its key, name, schemas and the versions its schemas define. */
export interface ApiDef<Req extends AnyMessage = AnyMessage, Res extends AnyMessage = AnyMessage> {
  readonly apiKey: number;
  readonly name: string;
  readonly request: Req;
  readonly response: Res;
  /** The versions the schemas define (a broker may advertise fewer). */
  readonly validVersions: VersionRange;
  /** The versions using compact encodings, tagged fields and the flexible headers. */
  readonly flexibleVersions: VersionRange;
}

/** Pairs a request and a response schema; they must agree on key and versions. */
function api<Req extends AnyMessage, Res extends AnyMessage>(name: string, request: Req, response: Res): ApiDef<Req, Res> {
  assert(
    request.apiKey === response.apiKey &&
      request.validVersions.text === response.validVersions.text &&
      request.flexibleVersions.text === response.flexibleVersions.text,
    `${name}: request and response schemas disagree on key or versions`,
  );
  return {
    apiKey: request.apiKey,
    name,
    request,
    response,
    validVersions: request.validVersions,
    flexibleVersions: request.flexibleVersions,
  };
}

/** Every API Weir has schemas for, keyed by API key number. */
export const apis = {
  [ApiKey.Produce]: api("Produce", ProduceRequest, ProduceResponse),
  [ApiKey.Fetch]: api("Fetch", FetchRequest, FetchResponse),
  [ApiKey.ListOffsets]: api("ListOffsets", ListOffsetsRequest, ListOffsetsResponse),
  [ApiKey.Metadata]: api("Metadata", MetadataRequest, MetadataResponse),
  [ApiKey.OffsetCommit]: api("OffsetCommit", OffsetCommitRequest, OffsetCommitResponse),
  [ApiKey.OffsetFetch]: api("OffsetFetch", OffsetFetchRequest, OffsetFetchResponse),
  [ApiKey.FindCoordinator]: api("FindCoordinator", FindCoordinatorRequest, FindCoordinatorResponse),
  [ApiKey.JoinGroup]: api("JoinGroup", JoinGroupRequest, JoinGroupResponse),
  [ApiKey.Heartbeat]: api("Heartbeat", HeartbeatRequest, HeartbeatResponse),
  [ApiKey.LeaveGroup]: api("LeaveGroup", LeaveGroupRequest, LeaveGroupResponse),
  [ApiKey.SyncGroup]: api("SyncGroup", SyncGroupRequest, SyncGroupResponse),
  [ApiKey.DescribeGroups]: api("DescribeGroups", DescribeGroupsRequest, DescribeGroupsResponse),
  [ApiKey.ListGroups]: api("ListGroups", ListGroupsRequest, ListGroupsResponse),
  [ApiKey.ApiVersions]: api("ApiVersions", ApiVersionsRequest, ApiVersionsResponse),
  [ApiKey.CreateTopics]: api("CreateTopics", CreateTopicsRequest, CreateTopicsResponse),
  [ApiKey.DeleteTopics]: api("DeleteTopics", DeleteTopicsRequest, DeleteTopicsResponse),
  [ApiKey.InitProducerId]: api("InitProducerId", InitProducerIdRequest, InitProducerIdResponse),
  [ApiKey.DescribeConfigs]: api("DescribeConfigs", DescribeConfigsRequest, DescribeConfigsResponse),
  [ApiKey.CreatePartitions]: api("CreatePartitions", CreatePartitionsRequest, CreatePartitionsResponse),
  [ApiKey.DeleteGroups]: api("DeleteGroups", DeleteGroupsRequest, DeleteGroupsResponse),
  [ApiKey.IncrementalAlterConfigs]: api("IncrementalAlterConfigs", IncrementalAlterConfigsRequest, IncrementalAlterConfigsResponse),
  [ApiKey.OffsetDelete]: api("OffsetDelete", OffsetDeleteRequest, OffsetDeleteResponse),
} as const;

/** The registry's type: API key number → its precisely typed {@link ApiDef}. */
export type Apis = typeof apis;

/** An API key that has schemas in the registry. */
export type RegisteredApiKey = keyof Apis;

/** The decoded request type of API `K`, e.g. `RequestOf<typeof ApiKey.Fetch>`. */
export type RequestOf<K extends RegisteredApiKey> = Decoded<Apis[K]["request"]>;

/** The decoded response type of API `K`. */
export type ResponseOf<K extends RegisteredApiKey> = Decoded<Apis[K]["response"]>;

/** What the response encoder of API `K` accepts (fields left out take their defaults). */
export type ResponseInputOf<K extends RegisteredApiKey> = Encodable<Apis[K]["response"]>;

/** What the request encoder of API `K` accepts (for the wire client). */
export type RequestInputOf<K extends RegisteredApiKey> = Encodable<Apis[K]["request"]>;

const byKey = new Map<number, ApiDef>(Object.values(apis).map((a: ApiDef) => [a.apiKey, a]));

/** The registered API with key `apiKey`, or undefined when Weir has no schemas for it. */
export function getApi(apiKey: number): ApiDef | undefined {
  return byKey.get(apiKey);
}

/** True when `apiKey` has schemas in the registry. */
export function isRegisteredApiKey(apiKey: number): apiKey is RegisteredApiKey {
  return byKey.has(apiKey);
}

/** Every registered API in key order. */
export function registeredApis(): readonly ApiDef[] {
  return [...byKey.values()].sort((a, b) => a.apiKey - b.apiKey);
}

export * from "./00-produce.js";
export * from "./01-fetch.js";
export * from "./02-list-offsets.js";
export * from "./03-metadata.js";
export * from "./08-offset-commit.js";
export * from "./09-offset-fetch.js";
export * from "./10-find-coordinator.js";
export * from "./11-join-group.js";
export * from "./12-heartbeat.js";
export * from "./13-leave-group.js";
export * from "./14-sync-group.js";
export * from "./15-describe-groups.js";
export * from "./16-list-groups.js";
export * from "./18-api-versions.js";
export * from "./19-create-topics.js";
export * from "./20-delete-topics.js";
export * from "./22-init-producer-id.js";
export * from "./32-describe-configs.js";
export * from "./37-create-partitions.js";
export * from "./42-delete-groups.js";
export * from "./44-incremental-alter-configs.js";
export * from "./47-offset-delete.js";
