/**
 * Loads a pipeline file for `weir run` / `weir replay`: a module whose default export was made by
 * `definePipeline`. TypeScript files (.ts, .mts, .cts) are loaded through tsx's ESM loader,
 * registered once per process; JavaScript files (.js, .mjs, .cjs) are imported as they are.
 *
 * The default export is recognised by its brand (`kind: "weir.pipeline"`), not `instanceof`:
 * the file may import another copy of Weir than the one running the command (see define.ts).
 * Errors say what is wrong with the file: missing or not a module (INVALID_ARGUMENT: the command
 * line names nothing usable), failing to load (EXECUTION, with the module's error), or without a
 * pipeline as its default export (NOT_FOUND).
 */
import { stat } from "node:fs/promises";
import { basename, extname, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { WeirError, type WeirErrorCode } from "../util/errors.js";
import { PIPELINE_API_VERSION, PIPELINE_KIND, type Pipeline } from "./define.js";

/** The extensions a pipeline file may have. */
export const PIPELINE_EXTENSIONS: readonly string[] = [".ts", ".mts", ".cts", ".js", ".mjs", ".cjs"];
const TYPESCRIPT = new Set([".ts", ".mts", ".cts"]);

/** A loaded pipeline file. */
export interface LoadedPipeline {
  readonly pipeline: Pipeline;
  /** The absolute path of the file. */
  readonly file: string;
  /** The pipeline's name: its own, else the file name without extension. */
  readonly name: string;
}

let tsxRegistered: Promise<void> | null = null;

/** Registers tsx's ESM loader for the rest of the process (once). */
function registerTypeScript(file: string): Promise<void> {
  tsxRegistered ??= (async () => {
    let api: { register: () => unknown };
    try {
      api = await import("tsx/esm/api");
    } catch (e) {
      throw new WeirError("NOT_FOUND", `loading the TypeScript pipeline ${file} needs the tsx package, which could not be loaded (${(e as Error).message}); install it (npm install tsx) or compile the pipeline to JavaScript`, {
        cause: e,
      });
    }
    api.register();
  })();
  return tsxRegistered;
}

function describeValue(v: unknown): string {
  if (v === undefined) return "no default export";
  if (v === null) return "null";
  if (typeof v === "function") return "a function";
  if (typeof v !== "object") return `a ${typeof v}`;
  const keys = Object.keys(v);
  return keys.length === 0 ? "an empty object" : `an object with ${keys.slice(0, 6).join(", ")}${keys.length > 6 ? ", ..." : ""}`;
}

/** True when `v` looks like a pipeline made by definePipeline (any copy of Weir). */
export function isPipeline(v: unknown): v is Pipeline {
  if (typeof v !== "object" || v === null) return false;
  const p = v as Partial<Pipeline>;
  return p.kind === PIPELINE_KIND && typeof p.run === "function" && typeof p.runtime === "object" && p.runtime !== null && typeof p.runtime.run === "function" && typeof p.runtime.replay === "function";
}

/** Loads the pipeline in `file` (see the module comment). */
export async function loadPipeline(file: string): Promise<LoadedPipeline> {
  const path = resolve(file);
  const ext = extname(path).toLowerCase();
  const st = await stat(path).catch(() => null);
  if (st === null) throw new WeirError("INVALID_ARGUMENT", `pipeline file ${file} does not exist`, { details: { path } });
  if (!st.isFile()) throw new WeirError("INVALID_ARGUMENT", `pipeline file ${file} is not a file`, { details: { path } });
  if (!PIPELINE_EXTENSIONS.includes(ext)) {
    throw new WeirError("INVALID_ARGUMENT", `pipeline file ${file} must be a TypeScript or JavaScript module (${PIPELINE_EXTENSIONS.join(", ")})`, { details: { path } });
  }
  if (TYPESCRIPT.has(ext)) await registerTypeScript(file);
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
  } catch (e) {
    throw new WeirError("EXECUTION", `pipeline file ${file} failed to load: ${e instanceof Error ? e.message : String(e)}`, { cause: e, details: { path } });
  }
  // A CommonJS module's exports arrive as `default`; its own `default` then sits one level down.
  let candidate = mod.default;
  if (!isPipeline(candidate) && ext === ".cjs" && typeof candidate === "object" && candidate !== null) candidate = (candidate as Record<string, unknown>).default;
  if (!isPipeline(candidate)) {
    const named = Object.keys(mod).filter((k) => k !== "default" && isPipeline(mod[k]));
    const hint = named.length > 0 ? ` (it exports one as ${named.join(", ")}: make it the default export)` : "";
    throw new WeirError("NOT_FOUND", `pipeline file ${file} must have a pipeline as its default export (export default definePipeline({ run(ctx) { ... } })), found ${describeValue(candidate)}${hint}`, {
      details: { path, code: "NOT_A_PIPELINE" },
    });
  }
  const apiVersion: unknown = candidate.apiVersion;
  if (apiVersion !== PIPELINE_API_VERSION) {
    throw new WeirError("EXECUTION", `pipeline file ${file} was defined with pipeline API version ${String(apiVersion)}, this weir runs version ${PIPELINE_API_VERSION}: run it with the weir it was written for`, {
      details: { path },
    });
  }
  const own = candidate.name;
  const name = own ?? basename(path, extname(path));
  return { pipeline: candidate, file: path, name };
}

/**
 * An error thrown by a pipeline's runtime as a WeirError of this copy of Weir: errors from
 * another copy fail `instanceof`, but keep their name, code, details and message. Errors of the
 * pipeline's own run that would read as a command-line mistake (INVALID_ARGUMENT, CONFIG: a bad
 * option in the pipeline's code) become EXECUTION, so the command exits 1, not 2.
 */
export function pipelineError(e: unknown): unknown {
  if (!(e instanceof Error) || e.name !== "WeirError" || typeof (e as { code?: unknown }).code !== "string") return e;
  const foreign = e as Error & { code: WeirErrorCode; details?: Record<string, unknown>; retriable?: boolean };
  const code: WeirErrorCode = foreign.code === "INVALID_ARGUMENT" || foreign.code === "CONFIG" ? "EXECUTION" : foreign.code;
  return new WeirError(code, foreign.message, { cause: e, details: foreign.details ?? {}, retriable: foreign.retriable ?? false });
}
