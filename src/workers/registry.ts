import type { StepWorker } from "./contract";

/**
 * The script's own worker entrypoints by binding name (the `binding` column of the worker
 * registry), reached through `ctx.exports`. Real workers join this map as they are built.
 */
export function workerEntrypoint(exports: Cloudflare.Exports, binding: string): StepWorker | null {
  switch (binding) {
    case "ScriptedWorker": return exports.ScriptedWorker;
    default: return null;
  }
}
