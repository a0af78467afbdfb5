export { PipelineActor, WATCHDOG_MS, type ControlResult, type CreateResult } from "./pipeline";
export type { PipelineSpec, StepSpec, PipelineStatus, StepStatus } from "./machine";
