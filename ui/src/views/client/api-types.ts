/** The API answers the client views read, inferred from the server's own contracts (src/contracts). */
export type { DeliverableLink, DeliverableList, DeliverableMetadata, SignedDeliverable } from "../../../../src/contracts/deliverables";
export type { CreateRequestInput, CreateRequestResponse, RequestDetails, RequestList, RequestViewData, WorkerSession } from "../../../../src/contracts/requests";
export type { EstimateInput, EstimateResponse, InsufficientBudgetDetails, OrchestrationInput, OrchestrationStarted, PipelineHistory, PipelineRun } from "../../../../src/contracts/runs";
export type { TemplateDetail, TemplateList, TemplateParameter, TemplateSummaryData } from "../../../../src/contracts/templates";

/** Request states and urgencies, as the contracts name them. */
export { RequestStates as REQUEST_STATES } from "../../../../src/contracts/requests";
export { Urgencies as URGENCIES } from "../../../../src/catalog/tiers";
