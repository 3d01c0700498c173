/** Entry point of the `weir` command: runs the program on the process arguments. */
import { main } from "./program.js";

process.exitCode = await main(process.argv);
