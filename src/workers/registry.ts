import { BuiltinEntrypoints, type BuiltinBinding } from "./builtin";
import type { StepWorker } from "./contract";

/** The scripted worker's binding (tests and demos; not a built-in worker of the catalog). */
const SCRIPTED = "ScriptedWorker";

/**
 * Binding names of this script's own worker entrypoints: every built-in worker's, and the
 * scripted worker's. Indexing `Cloudflare.Exports` (generated from src/index.ts's exports) by
 * one of them is what makes a built-in worker that src/index.ts forgot to export a type error.
 */
type OwnBinding = BuiltinBinding | typeof SCRIPTED;
const OWN: ReadonlySet<string> = new Set<string>([...Object.keys(BuiltinEntrypoints), SCRIPTED]);

function isOwn(binding: string): binding is OwnBinding {
  return OWN.has(binding);
}

/**
 * The worker behind a registry binding: one of this script's entrypoints (`ctx.exports`), or
 * for `external:<endpoint>` the ExternalWorkers entrypoint calling that endpoint over HTTP
 * (references are read and written there, not in the actor). Null when unknown.
 */
export function workerEntrypoint(exports: Cloudflare.Exports, binding: string): StepWorker | null {
  if (binding.startsWith("external:")) {
    const endpoint = binding.slice("external:".length);
    return { execute: (h) => exports.ExternalWorkers.call(endpoint, h) };
  }
  if (!isOwn(binding)) return null;
  return exports[binding];
}
