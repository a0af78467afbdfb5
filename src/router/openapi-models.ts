import type * as v from "valibot";
import { PipelineSummarySchema } from "../actors/pipeline/protocol";
import * as admin from "../contracts/admin";
import * as auth from "../contracts/auth";
import * as clients from "../contracts/clients";
import * as deliverables from "../contracts/deliverables";
import * as desk from "../contracts/desk";
import * as economy from "../contracts/economy";
import * as health from "../contracts/health";
import * as live from "../contracts/live";
import * as pipeline from "../contracts/pipeline";
import * as requests from "../contracts/requests";
import * as runs from "../contracts/runs";
import * as seed from "../contracts/seed";
import * as service from "../contracts/service";
import * as templates from "../contracts/templates";
import * as workers from "../contracts/workers";

const MODULES: Record<string, Record<string, unknown>> = {
  admin, auth, clients, deliverables, desk, economy, health, live, pipeline, requests, runs, seed, service, templates, workers,
};

function isSchema(value: unknown): value is v.GenericSchema {
  return typeof value === "object" && value !== null && (value as { kind?: unknown }).kind === "schema";
}

/**
 * The named models of the OpenAPI document: every schema the contract files export as
 * `<Name>Schema`, under `<Name>` (a name two files use gets its file's name in front). An answer
 * that is, or contains, one of these objects refers to it instead of repeating it.
 */
export function namedModels(): Record<string, v.GenericSchema> {
  const models: Record<string, v.GenericSchema> = { PipelineSummary: PipelineSummarySchema };
  const seen = new Set<v.GenericSchema>([PipelineSummarySchema]);
  for (const [file, exports] of Object.entries(MODULES)) {
    for (const [exported, value] of Object.entries(exports)) {
      if (!exported.endsWith("Schema") || !isSchema(value) || seen.has(value)) continue;
      const base = exported.slice(0, -"Schema".length);
      const name = base in models ? `${file[0]!.toUpperCase()}${file.slice(1)}${base}` : base;
      models[name] = value;
      seen.add(value);
    }
  }
  return models;
}
