import { env } from "cloudflare:workers";
import type { PipelineSpec, StepSpec } from "../src/actors/pipeline";
import type { JsonObject } from "../src/lib/json";

let n = 0;
/** A fresh client in D1 with a budget (micro-USD), for ledgers. */
export async function testClient(budget = 1_000_000_000): Promise<string> {
  const clientId = `pl_client_${Date.now()}_${n++}`;
  const at = new Date().toISOString();
  await env.DB.prepare(
    `INSERT INTO clients (client_id, company_name, contact_email, monthly_budget_micros, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)`,
  ).bind(clientId, clientId, `${clientId}@example.com`, budget, at, at).run();
  return clientId;
}

/** Registers a worker type (for its ResourcePool's capacity). */
export async function testWorker(maxConcurrent = 8, name = `scripted-${Date.now()}-${n++}`): Promise<string> {
  const at = new Date().toISOString();
  await env.DB.prepare(
    `INSERT OR IGNORE INTO worker_registry (worker_name, display_name, kind, binding, input_format, output_format, max_concurrent,
       queue_limit, lease_ttl_ms, avg_execution_time_ms, created_at, updated_at)
     VALUES (?, ?, 'builtin', 'ScriptedWorker', 'any', 'any', ?, 1000, 60000, 50, ?, ?)`,
  ).bind(name, name, maxConcurrent, at, at).run();
  return name;
}

/** A step of a scripted pipeline. */
export interface ScriptedStep {
  id: string;
  dependsOn?: string[];
  script?: JsonObject;
  optional?: boolean;
  condition?: StepSpec["condition"];
  /** Worker names; the first is primary. Each runs the step's script, or its own from `fallbackScripts`. */
  workers?: string[];
  timeoutMs?: number;
  retry?: StepSpec["retry"];
  estimateMicros?: number;
  input?: Record<string, string>;
  output?: Record<string, string>;
}

/** A pipeline spec whose steps run the scripted worker. */
export function scriptedSpec(clientId: string, steps: ScriptedStep[], extra: Partial<PipelineSpec> = {}, worker = "scripted"): PipelineSpec {
  const pipelineId = extra.pipelineId ?? `pip_test_${Date.now()}_${n++}`;
  const scripts: JsonObject = {};
  for (const s of steps) if (s.script) scripts[s.id] = s.script;
  return {
    pipelineId, templateName: "test", clientId, requestId: null, priority: 4, budgetLimitMicros: null, deadlineAt: null,
    maxWaitMs: 600_000, inputs: { topic: "testing", scripts, ...(extra.inputs ?? {}) },
    ...extra,
    steps: steps.map((s) => ({
      id: s.id,
      workers: (s.workers ?? [worker]).map((name) => ({ name, binding: "ScriptedWorker" })),
      dependsOn: s.dependsOn ?? [],
      input: s.input ?? { script: `$.inputs.scripts.${s.id}` },
      output: s.output ?? {},
      condition: s.condition ?? null,
      optional: s.optional ?? false,
      timeoutMs: s.timeoutMs ?? 5_000,
      retry: s.retry ?? { maxAttempts: 3, baseMs: 5, capMs: 20 },
      estimateMicros: s.estimateMicros ?? 1_000,
    })),
  };
}

/**
 * Polls until `check` returns a value (not undefined), or fails after `timeoutMs` naming `what`.
 * For conditions nothing announces (effects settled, a step reached running): checks at once,
 * then waits 10 ms, doubling up to `maxIntervalMs` between checks. A pipeline's end has its own
 * long poll (`finished`).
 */
export async function waitFor<T>(check: () => Promise<T | undefined>, timeoutMs = 10_000, what = "condition", maxIntervalMs = 50): Promise<T> {
  const until = Date.now() + timeoutMs;
  let lastError: unknown = null;
  for (let interval = Math.min(10, maxIntervalMs); ; interval = Math.min(interval * 2, maxIntervalMs)) {
    let value: T | undefined;
    try {
      value = await check();
    } catch (error) {
      // An object that was just aborted answers with an error until it restarts.
      lastError = error;
    }
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}${lastError ? ` (last error: ${String(lastError)})` : ""}`);
    await new Promise((r) => setTimeout(r, interval));
  }
}

const TERMINAL = new Set(["completed", "partial", "failed", "cancelled"]);

/**
 * Waits for a pipeline to end and returns its summary, through the actor's own long poll
 * (`waitForEnd`: it answers when the run ends, or with the current summary when the wait passes),
 * asked again until `timeoutMs` has passed; then fails naming the status the run was left in.
 */
export async function finished(pipelineId: string, timeoutMs = 15_000): Promise<Record<string, any>> {
  const until = Date.now() + timeoutMs;
  let last = "no answer yet";
  for (;;) {
    const left = until - Date.now();
    if (left <= 0) throw new Error(`pipeline ${pipelineId} did not end within ${timeoutMs} ms (${last})`);
    try {
      // A fresh stub each time: a stub whose object was aborted stays broken.
      const summary = (await env.PipelineActor.getByName(pipelineId).waitForEnd(left)) as Record<string, any> | null;
      if (summary && TERMINAL.has(summary.status)) return summary;
      last = summary ? `last seen ${summary.status}` : "not created";
    } catch (error) {
      // An object that was just aborted answers with an error until it restarts.
      last = `last error: ${String(error)}`;
    }
    // Only after an error, an object not created yet, or a wait that passed: never a tight loop.
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Waits until the pipeline has no open effects left (history written, cleanup done). */
export async function settledDown(pipelineId: string): Promise<void> {
  await waitFor(async () => {
    const i = await env.PipelineActor.getByName(pipelineId).inspect();
    return i && i.cleanup.length === 0 && i.holds.length === 0 && i.leases.length === 0 && i.admission.status !== "held"
      // The run registers in D1 as processing when it starts; its history is written at the end.
      && (await env.DB.prepare(`SELECT 1 FROM pipeline_executions WHERE pipeline_id = ? AND status <> 'processing'`).bind(pipelineId).first()) ? true : undefined;
  }, 10_000, `pipeline ${pipelineId} to settle`);
}

/**
 * Waits until every listed pipeline is over and quiet: ended, its effects and history done, and
 * no abandoned call still waiting for its late answer. A test file that starts pipelines calls
 * this before it ends, so no Durable Object work outlives the file (vitest tears its runtime down).
 */
export async function quiesce(pipelineIds: Iterable<string>): Promise<void> {
  for (const id of pipelineIds) {
    await finished(id, 20_000);
    await settledDown(id);
    await waitFor(async () => {
      const inspected = await env.PipelineActor.getByName(id).inspect();
      return inspected && inspected.abandoned.length === 0 && inspected.cleanup.length === 0 ? true : undefined;
    }, 20_000, `pipeline ${id} to go quiet`);
  }
}
