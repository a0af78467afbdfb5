import * as v from "valibot";
import { clientScope } from "../../auth";
import { getClient } from "../../catalog/clients";
import { listTemplates } from "../../catalog/templates";
import { Tiers } from "../../catalog/tiers";
import { notFound } from "../../lib/errors";
import { route, type Route } from "../define";

/** The template catalog as the KAM cache holds it. */
export const templateRoutes: Route[] = [
  route({
    method: "GET", path: "/templates", access: ["admin", "support", "client", "worker"],
    query: v.strictObject({ tier: v.optional(v.picklist(Tiers)) }),
    summary: "Active templates. A client sees those open to its tier; staff see all, or one tier's with ?tier=.",
    handler: async ({ env, principal, query }) => {
      const scope = clientScope(principal);
      let tier = query.tier ?? null;
      if (scope !== null) {
        const client = await getClient(env.DB, scope);
        if (!client) throw notFound("client", scope);
        tier = client.subscription_tier;
      }
      return { tier, templates: await listTemplates(env.DB, tier) };
    },
  }),
];
