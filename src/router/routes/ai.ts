import * as v from "valibot";
import { PriceAnswerSchema, PriceListSchema } from "../../contracts/service";
import { loadPriceBook, ProviderNames } from "../../ai";
import { describePrincipal } from "../../auth";
import { isoTime } from "../../lib/ids";
import { route, type Route } from "../define";

const PriceParams = v.strictObject({ provider: v.picklist(ProviderNames), model: v.pipe(v.string(), v.minLength(1), v.maxLength(200)) });
const PerMillion = v.pipe(v.number(), v.integer("must be whole micro-USD"), v.minValue(0), v.maxValue(1_000_000_000));

/** The AI price table (micro-USD per million tokens per provider and model). */
export const aiRoutes: Route[] = [
  route({
    method: "GET", path: "/admin/ai/prices", access: ["admin", "support"], summary: "The AI model price table.", response: PriceListSchema,
    handler: async ({ env }) => ({ prices: (await loadPriceBook(env.DB)).rows().sort((a, b) => `${a.provider}/${a.model}`.localeCompare(`${b.provider}/${b.model}`)) }),
  }),
  route({
    method: "PUT", path: "/admin/ai/prices/:provider/:model", access: ["admin"], params: PriceParams,
    body: v.strictObject({ input_micros_per_mtok: PerMillion, output_micros_per_mtok: PerMillion }),
    summary: "Sets a model's price (micro-USD per million input and output tokens); '*' is the provider's default.",
    response: PriceAnswerSchema,
    handler: async ({ env, params, body, principal, now }) => {
      await env.DB.prepare(
        `INSERT INTO ai_model_prices (provider, model, input_micros_per_mtok, output_micros_per_mtok, updated_at, updated_by) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (provider, model) DO UPDATE SET input_micros_per_mtok = excluded.input_micros_per_mtok,
           output_micros_per_mtok = excluded.output_micros_per_mtok, updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
      ).bind(params.provider, params.model, body.input_micros_per_mtok, body.output_micros_per_mtok, isoTime(now), describePrincipal(principal)).run();
      return { price: (await loadPriceBook(env.DB)).priceOf(params.provider, params.model) };
    },
  }),
];
