/** A pipeline file that throws while it loads, for the error test of `weir run`. */
import { definePipeline } from "../../src/index.js";

function broken(): never {
  throw new Error("the pipeline's configuration is missing (thrown at load)");
}

export default definePipeline({ run: broken() });
