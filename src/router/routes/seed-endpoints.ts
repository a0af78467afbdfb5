import type { Route } from "../define";
import { seedOrchestratorRoutes } from "./seed-orchestrator";
import { seedWorkerRoutes } from "./seed-workers";

/**
 * The seed's endpoints served as aliases over the runtime (issue 14): the orchestrator's
 * `GET /capabilities` and `GET /pipeline-health`, each v1 worker's own surface and the worker
 * pattern's admin endpoints. Registered before the generic `/workers/:name` routes.
 */
export const seedRoutes: Route[] = [...seedOrchestratorRoutes, ...seedWorkerRoutes];
