export { PipelineActor, WATCHDOG_MS, type ControlResult } from "./pipeline";
export type { PipelineSpec, StepSpec, PipelineStatus, StepStatus } from "./machine";
