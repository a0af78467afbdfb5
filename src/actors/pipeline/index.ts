export { PipelineActor } from "./pipeline";
