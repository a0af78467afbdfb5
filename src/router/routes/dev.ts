import { SeedReportSchema } from "../../contracts/service";
import { seedDevelopment } from "../../seed/seed";
import { route, type Route } from "../define";

/** Local-development helpers; each refuses to act outside development and test. */
export const devRoutes: Route[] = [
  route({
    method: "POST", path: "/dev/seed", access: ["worker"],
    summary: "Seeds the demo catalog (idempotent) and returns the local credentials. Refuses unless ENVIRONMENT is development or test.",
    response: SeedReportSchema,
    handler: ({ env, request, now }) => seedDevelopment(env, new URL(request.url).origin, now),
  }),
];
