import type { WorkerDef } from "../catalog/workers";
import { BuiltinEntrypoints } from "./builtin";
import type { AnyWorkerSpec } from "./harness/define";

/**
 * Every built-in worker defined with the shared harness, by registry name, in chain order
 * (derived from BuiltinEntrypoints). A worker whose declared `binding` is not the name it is
 * listed (and exported) under could never be called: refused when the script loads.
 */
export const WorkerSpecs: ReadonlyMap<string, AnyWorkerSpec> = new Map(
  Object.entries(BuiltinEntrypoints).map(([binding, entrypoint]): [string, AnyWorkerSpec] => {
    const spec = entrypoint.spec;
    if (spec.def.binding !== binding) throw new Error(`worker '${spec.def.worker_name}' declares binding '${spec.def.binding}' but is listed as '${binding}'`);
    return [spec.def.worker_name, spec];
  }),
);

/** The built-in workers' registry rows (`worker_registry`), as each worker declares its own. */
export const BuiltinWorkers: readonly WorkerDef[] = [...WorkerSpecs.values()].map((s) => s.def);
