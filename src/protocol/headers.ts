/**
 * Request and response headers, and the rule that picks their version for an (API, version).
 *
 *   Request Header v0 => request_api_key request_api_version correlation_id
 *   Request Header v1 => request_api_key request_api_version correlation_id client_id
 *   Request Header v2 => request_api_key request_api_version correlation_id client_id TAG_BUFFER
 *     request_api_key => INT16, request_api_version => INT16, correlation_id => INT32,
 *     client_id => NULLABLE_STRING
 *   Response Header v0 => correlation_id
 *   Response Header v1 => correlation_id TAG_BUFFER
 *
 * Header v2 keeps client_id a NON-compact int16-length string, so any broker can read any
 * request's header, whatever the API version. Flexible API versions use request header v2 and
 * response header v1, except ApiVersions, whose response header is always v0: a client reads it
 * before it knows which versions the broker speaks.
 */
import { WeirError } from "../util/errors.js";
import { limits } from "../util/limits.js";
import { ApiKey, firstFlexibleVersion } from "./api-keys.js";
import { getApi } from "./messages/index.js";
import { Reader } from "./primitives/reader.js";
import type { Writer } from "./primitives/writer.js";
import { inVersions } from "./schema/index.js";

/** A request header; clientId is null in v0 (which has none) or when the client sent null. */
export interface RequestHeader {
  apiKey: number;
  apiVersion: number;
  correlationId: number;
  clientId: string | null;
}

/** A response header. */
export interface ResponseHeader {
  correlationId: number;
}

/** Request header versions. */
export type RequestHeaderVersion = 0 | 1 | 2;

/** Response header versions. */
export type ResponseHeaderVersion = 0 | 1;

/**
 * True when `apiVersion` of `apiKey` is flexible: from the registry's schema when Weir has one,
 * else from Kafka's table of first flexible versions (false for an unknown key).
 */
export function isFlexibleApiVersion(apiKey: number, apiVersion: number): boolean {
  const api = getApi(apiKey);
  if (api !== undefined) return inVersions(api.flexibleVersions, apiVersion);
  const first = firstFlexibleVersion(apiKey);
  return first !== undefined && first >= 0 && apiVersion >= first;
}

/**
 * The request header version of (apiKey, apiVersion): 2 for flexible versions, else 1; 0 only for
 * ControlledShutdown v0, the one request Kafka ever sent without a client id. An unknown key
 * gives 1, enough to read the correlation id and client id before refusing the request.
 */
export function requestHeaderVersion(apiKey: number, apiVersion: number): RequestHeaderVersion {
  if (apiKey === ApiKey.ControlledShutdown && apiVersion === 0) return 0;
  return isFlexibleApiVersion(apiKey, apiVersion) ? 2 : 1;
}

/** The response header version of (apiKey, apiVersion): 1 for flexible versions, else 0; always 0 for ApiVersions. */
export function responseHeaderVersion(apiKey: number, apiVersion: number): ResponseHeaderVersion {
  if (apiKey === ApiKey.ApiVersions) return 0;
  return isFlexibleApiVersion(apiKey, apiVersion) ? 1 : 0;
}

/** The result of {@link decodeRequestHeader}. */
export interface DecodedRequestHeader {
  header: RequestHeader;
  headerVersion: RequestHeaderVersion;
  /** A reader over the same frame body, positioned at the first byte of the request body. */
  reader: Reader;
}

/**
 * Decodes the request header at the start of a frame body (the bytes after the int32 size) and
 * returns a reader positioned at the request body. The header version follows from the API key
 * and version read first. Throws PROTOCOL_DECODE or LIMIT_EXCEEDED on malformed input.
 */
export function decodeRequestHeader(body: Buffer): DecodedRequestHeader {
  const reader = new Reader(body);
  const apiKey = reader.int16();
  const apiVersion = reader.int16();
  const correlationId = reader.int32();
  const headerVersion = requestHeaderVersion(apiKey, apiVersion);
  const clientId = headerVersion >= 1 ? reader.nullableString() : null;
  if (headerVersion === 2) skipTaggedFields(reader);
  return { header: { apiKey, apiVersion, correlationId, clientId }, headerVersion, reader };
}

/** Writes a request header of the given version (for the wire client and tests). */
export function encodeRequestHeader(w: Writer, header: RequestHeader, version: RequestHeaderVersion): Writer {
  w.int16(header.apiKey).int16(header.apiVersion).int32(header.correlationId);
  if (version >= 1) w.nullableString(header.clientId);
  if (version === 2) w.uvarint(0); // no tagged fields
  return w;
}

/** Writes a response header of the given version. */
export function encodeResponseHeader(w: Writer, correlationId: number, version: ResponseHeaderVersion): Writer {
  w.int32(correlationId);
  if (version === 1) w.uvarint(0); // no tagged fields
  return w;
}

/** Reads a response header of the given version, leaving `r` at the response body. */
export function decodeResponseHeader(r: Reader, version: ResponseHeaderVersion): ResponseHeader {
  const correlationId = r.int32();
  if (version === 1) skipTaggedFields(r);
  return { correlationId };
}

/** TAG_BUFFER with no known tags: count, then (tag, size, bytes) per field, all skipped. */
function skipTaggedFields(r: Reader): void {
  const n = r.uvarint();
  if (n > limits.taggedFieldsMax) {
    throw new WeirError("LIMIT_EXCEEDED", `${n} tagged fields in a header exceed the limit of ${limits.taggedFieldsMax}`, {
      details: { count: n, limit: limits.taggedFieldsMax },
    });
  }
  for (let i = 0; i < n; i++) {
    r.uvarint(); // tag
    r.raw(r.uvarint(), "tagged field");
  }
}
