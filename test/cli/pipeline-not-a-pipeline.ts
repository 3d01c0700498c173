/**
 * A file `weir run` must refuse: its default export is a plain object, not a pipeline made by
 * definePipeline, and the pipeline it does make is a named export.
 */
import { definePipeline } from "../../src/index.js";

export const clicks = definePipeline({ run: () => undefined });

export default { run: (): void => undefined };
