import * as v from "valibot";
import { getClient } from "../../catalog/clients";
import { RequestAnalysis } from "../../kam/analysis";
import { recommendTemplate } from "../../kam/recommend";
import { AppError, notFound } from "../../lib/errors";
import { route, type Route } from "../define";
import { IdString, Text } from "../schemas";
import { activeActingClient } from "../scope";
import { visibleRequest } from "./requests";
import { RecommendationSchema } from "../../contracts/desk";

/** The seed's TemplateRecommendationRequest, for a stored request or a message. */
const RecommendBody = v.pipe(
  v.strictObject({
    request_id: v.optional(IdString),
    message: v.optional(Text(3, 10_000, { multiline: true })),
    client_id: v.optional(IdString),
    // An analyst's own reading of the request: its intent and urgency also inform the pick.
    analysis: v.optional(v.strictObject({
      intent: v.optional(Text(1, 200)),
      sentiment: v.optional(v.pipe(v.number(), v.minValue(-1), v.maxValue(1))),
      urgency: v.optional(Text(1, 50)),
      confidence: v.optional(v.pipe(v.number(), v.minValue(0), v.maxValue(1))),
    })),
  }),
  v.check((b) => (b.request_id === undefined) !== (b.message === undefined), "body: give either request_id or message, not both"),
  v.check((b) => b.request_id === undefined || b.client_id === undefined, "body.client_id: not with request_id (the request names its client)"),
);

/** Template recommendation (seed phase 2). */
export const recommendRoutes: Route[] = [
  route({
    method: "POST", path: "/recommend-template", access: ["admin", "support", "client"], body: RecommendBody,
    summary: "Recommends a template for a request (request_id) or a message: keyword triggers and the AI's pick among the templates the client's tier may use give a template, a confidence and reasoning; with the learned estimate of its cost and duration, and a budget check against the client's ledger. Runners-up are listed with their scores.",
    response: RecommendationSchema, errors: [404],
    handler: async ({ env, principal, body }) => {
      let message: string;
      let known = null;
      let client;
      if (body.request_id !== undefined) {
        const request = await visibleRequest(env.DB, principal, body.request_id);
        client = await getClient(env.DB, request.client_id);
        if (!client) throw notFound("client", request.client_id);
        if (client.account_status !== "active" && client.account_status !== "trial") {
          throw new AppError("forbidden", `client '${client.client_id}' is ${client.account_status}; only active clients may get recommendations`);
        }
        message = request.processed_request ?? request.original_message;
        const stored = v.safeParse(RequestAnalysis, { ...(request.request_analysis ?? {}), cleaned: request.processed_request ?? "" });
        known = stored.success ? stored.output : null;
      } else {
        client = await activeActingClient(env.DB, principal, body.client_id, "get recommendations");
        message = body.message!;
      }
      if (body.analysis?.intent) message = `${message}\n(Analyst: intent ${body.analysis.intent}${body.analysis.urgency ? `, urgency ${body.analysis.urgency}` : ""}.)`;
      const recommendation = await recommendTemplate(env, client, message, known);
      if (recommendation.template_name === null && recommendation.alternatives.length === 0) {
        throw new AppError("conflict", recommendation.reasoning);
      }
      return { success: true as const, client_id: client.client_id, request_id: body.request_id ?? null, ...recommendation };
    },
  }),
];
