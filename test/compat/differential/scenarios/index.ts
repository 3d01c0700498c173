/** Every scenario of the differential suite, in the order they run. */
import type { Scenario } from "../framework.js";
import { kafkaPythonScenarios } from "./kafka-python.js";
import { kafkajsScenarios } from "./kafkajs.js";
import { javaScenarios } from "./java.js";
import { kcatScenarios } from "./kcat.js";
import { platformaticScenarios } from "./platformatic.js";
import { wireScenarios } from "./wire.js";

export const SCENARIOS: Scenario[] = [...kcatScenarios, ...kafkaPythonScenarios, ...kafkajsScenarios, ...platformaticScenarios, ...javaScenarios, ...wireScenarios];
