/**
 * ApiVersions (key 18), versions 0-3.
 *
 * Answers the list of APIs and versions this broker implements. An unknown version never reaches
 * this handler: the dispatcher answers it with a v0 body and UNSUPPORTED_VERSION. From v3 the
 * client names its software; Kafka validates the name and version against
 * `[a-zA-Z0-9](?:[a-zA-Z0-9\-.]*[a-zA-Z0-9])?` and answers INVALID_REQUEST otherwise.
 */
import { ApiKey } from "../../protocol/api-keys.js";
import { KafkaErrors } from "../../protocol/errors.js";
import type { ApiHandler } from "../dispatch.js";

const SOFTWARE_PATTERN = /^[a-zA-Z0-9](?:[a-zA-Z0-9\-.]*[a-zA-Z0-9])?$/;

/** The ApiVersions handler; it needs no broker state. */
export const apiVersionsHandler: ApiHandler<typeof ApiKey.ApiVersions, unknown> = {
  apiKey: ApiKey.ApiVersions,
  minVersion: 0,
  maxVersion: 3,
  handle(_state, req, version, ctx) {
    if (version >= 3 && !(SOFTWARE_PATTERN.test(req.clientSoftwareName) && SOFTWARE_PATTERN.test(req.clientSoftwareVersion))) {
      return { errorCode: KafkaErrors.INVALID_REQUEST.code, apiKeys: [], throttleTimeMs: 0 };
    }
    return { errorCode: KafkaErrors.NONE.code, apiKeys: [...ctx.supportedApis], throttleTimeMs: 0 };
  },
};
