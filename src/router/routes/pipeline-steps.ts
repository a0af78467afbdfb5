import * as v from "valibot";
import { clientScope } from "../../auth";
import { StepDetailSchema } from "../../contracts/pipeline";
import { notFound } from "../../lib/errors";
import type { JsonValue } from "../../lib/json";
import { PayloadError } from "../../storage/payloads";
import { pipelineScope, resolveRefs } from "../../storage/refs";
import { route, type Route } from "../define";
import { IdString } from "../schemas";

/** A step's input or output with its stored parts read back; null (and why) when they cannot be. */
async function readBack(env: Env, pipelineId: string, field: string, value: JsonValue, unavailable: { field: string; code: string }[]): Promise<JsonValue> {
  if (value === null) return null;
  try {
    return (await resolveRefs(env, value, pipelineScope(pipelineId))).value ?? null;
  } catch (error) {
    if (!(error instanceof PayloadError)) throw error;
    unavailable.push({ field, code: error.code === "missing" ? "expired" : error.code });
    return null;
  }
}

/** A pipeline's steps one at a time: what each got, what it answered and how its attempts went. */
export const pipelineStepRoutes: Route[] = [
  route({
    method: "GET", path: "/pipeline/:id/steps/:step", access: ["admin", "support", "client", "worker"],
    params: v.strictObject({ id: IdString, step: IdString }),
    summary: "One step of a pipeline: its input (as its worker gets it), its output, and every attempt with its worker, cost, duration and error. Stored values are read back (checksums verified); one that has expired or was altered is null and listed in `unavailable`. Another client's pipeline answers 404.",
    response: StepDetailSchema,
    handler: async ({ env, principal, params }) => {
      const detail = await env.PipelineActor.getByName(params.id).stepDetail(params.step, clientScope(principal));
      if (!detail) throw notFound("step", `${params.id}/${params.step}`);
      const unavailable: { field: string; code: string }[] = [];
      const input = await readBack(env, params.id, "input", detail.input, unavailable);
      const output = await readBack(env, params.id, "output", detail.output, unavailable);
      return { ...detail, input, output, ...(unavailable.length > 0 ? { unavailable } : {}) };
    },
  }),
];
