export { PipelineActor, type ControlResult, type CreateResult } from "./pipeline";
export type { PipelineSpec, StepSpec, PipelineStatus, StepStatus } from "./machine";
