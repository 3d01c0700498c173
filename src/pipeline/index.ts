/**
 * Pipelines for `weir run` and `weir replay`: {@link definePipeline} and the functions that run
 * one (see define.ts, runner.ts, replay.ts and docs/pipelines.md).
 */
export { PIPELINE_API_VERSION, PIPELINE_KIND, definePipeline } from "./define.js";
export type { Pipeline, PipelineContext, PipelineLogger, PipelineReplayInfo, PipelineResult, PipelineRuntime, PipelineSpec } from "./define.js";
export type { PipelineEvent, PipelineReplaySummary, PipelineRunSummary, PipelineSessionOptions, QuerySummary, ReplayOutputSummary, ReplayRange } from "./events.js";
export { REPLAY_CHECKPOINTS, REPLAY_MARKER, readReplayMarker, replayPipeline } from "./replay.js";
export type { ReplayPipelineOptions } from "./replay.js";
export { runPipeline } from "./runner.js";
export type { RunPipelineOptions } from "./runner.js";
