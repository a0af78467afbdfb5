import type { Route } from "./define";
import { buildRouter } from "./router";
import { adminActorRoutes } from "./routes/admin-actors";
import { aiRoutes } from "./routes/ai";
import { appRoutes } from "./routes/app";
import { authRoutes } from "./routes/auth";
import { clientRoutes } from "./routes/clients";
import { dashboardRoutes } from "./routes/dashboard";
import { economyRoutes } from "./routes/economy";
import { recommendRoutes } from "./routes/recommend";
import { deliverableRoutes } from "./routes/deliverables";
import { devRoutes } from "./routes/dev";
import { liveRoutes } from "./routes/live";
import { orchestrateRoutes } from "./routes/orchestrate";
import { pipelineStepRoutes } from "./routes/pipeline-steps";
import { publicRoutes } from "./routes/public";
import { requestRoutes } from "./routes/requests";
import { seedRoutes } from "./routes/seed-endpoints";
import { templateRoutes } from "./routes/templates";
import { workerRoutes } from "./routes/workers";

/** Every HTTP route, by area. `/help` is generated from this list. */
export const routes: readonly Route[] = [
  ...publicRoutes(() => routes),
  ...authRoutes,
  ...clientRoutes,
  ...requestRoutes,
  ...templateRoutes,
  ...orchestrateRoutes,
  ...pipelineStepRoutes,
  ...deliverableRoutes,
  ...dashboardRoutes,
  ...economyRoutes,
  ...recommendRoutes,
  ...adminActorRoutes,
  ...aiRoutes,
  ...seedRoutes,
  ...workerRoutes,
  ...liveRoutes,
  ...devRoutes,
  // Last: the dashboard's catch-all must not shadow an API path under /dashboard.
  ...appRoutes,
];

/** The router Worker's HTTP surface. */
export const router = buildRouter(routes);
export type { Route } from "./define";
