/** The `weir dev` demo as public functions (docs/demo.md). */
export { DEV_LINES, startDev, type DevHandle, type DevOptions, type DevStats } from "./dev.js";
export { DEMO_TOPICS, NEGATIVE_BELOW, POSITIVE_ABOVE, notificationMessage, startPipeline, type DemoTopics, type Pipeline, type PipelineOptions, type RoutedItem } from "./pipeline.js";
export { startReceiver, type Receiver, type ReceiverOptions } from "./receiver.js";
export { demoGenerators, startGenerator, type Generator, type GeneratorOptions, type GeneratorSpec, type Pace } from "./generators.js";
export { PUBLIC_POSTS, TEAM_CHAT, lineSource, type Band, type FeedbackLine, type SourceCorpus } from "./corpus.js";
