import type { JsonObject } from "../../lib/json";
import { first, rows } from "../shared/sqlite";
import { attemptKey, type AttemptRecord, type PipelineSpec, type PipelineState, type StepSpec, type StepState } from "./machine";

/** The parts of the state that are neither the spec, the steps, the attempts, the outputs nor the context. */
type Meta = Omit<PipelineState, "spec" | "steps" | "attempts" | "outputs" | "context">;

/** The meta document's JSON per state object: a checkpoint compares against the previous one's without serialising it again. */
const metaJson = new WeakMap<PipelineState, string>();

/**
 * Fields at their usual values, which a stored row leaves out (most of a row is these). Each is
 * made by a function, so a decoded state never shares an array or object with another; the
 * constant beside it is what encoding compares against.
 */
const usualMeta = () => ({
  reason: null, notes: [], cleanup: [], abandoned: [], costMicros: 0, startedAt: null, finishedAt: null,
  registered: false, historyWritten: false, admission: "none" as const,
}) satisfies Partial<Meta>;
const USUAL_META = usualMeta();

/** A key of one of this pipeline's attempts, stored without the pipeline id it starts with ("~step:attempt"). */
function shortKey(pipelineId: string, key: string): string {
  return key.startsWith(`${pipelineId}:`) ? `~${key.slice(pipelineId.length + 1)}` : key;
}

function fullKey(pipelineId: string, key: string): string {
  return key.startsWith("~") ? `${pipelineId}:${key.slice(1)}` : key;
}

function metaText(s: PipelineState): string {
  let text = metaJson.get(s);
  if (text === undefined) {
    const { spec, steps: _steps, attempts: _attempts, outputs: _outputs, context: _context, ...meta } = s;
    const id = spec.pipelineId;
    const stored = {
      ...meta,
      cleanup: meta.cleanup.map((c) => encodeCleanup(id, c)),
      abandoned: meta.abandoned.map((a) => ({ ...a, key: shortKey(id, a.key) })),
    };
    text = JSON.stringify(withoutUsual(stored, USUAL_META));
    metaJson.set(s, text);
  }
  return text;
}

function decodeMeta(pipelineId: string, text: string): Meta & { context?: JsonObject } {
  const stored = { ...usualMeta(), ...(JSON.parse(text) as Partial<Meta>) } as Omit<Meta, "cleanup"> & { cleanup: (StoredCleanup | Meta["cleanup"][number])[]; context?: JsonObject };
  return {
    ...stored,
    cleanup: stored.cleanup.map((c) => decodeCleanup(pipelineId, c)),
    abandoned: stored.abandoned.map((a) => ({ ...a, key: fullKey(pipelineId, a.key) })),
  };
}

/** The context's JSON per context object (the core keeps an unchanged context as the same object, or an equal copy). */
const contextJson = new WeakMap<JsonObject, string>();

function contextText(context: JsonObject): string {
  let text = contextJson.get(context);
  if (text === undefined) contextJson.set(context, (text = JSON.stringify(context)));
  return text;
}

const usualStep = () => ({
  attempt: 0, attemptBase: 0, workerIndex: 0, held: false, queued: null, startedAt: null, finishedAt: null, retryAt: null,
  timeoutAt: null, outputRef: null, costMicros: 0, error: null, skippedReason: null,
}) satisfies Partial<StepState>;
const USUAL_STEP = usualStep();

/** An attempt's (its key is derived from the pipeline, step and attempt). */
const usualAttempt = () => ({ tokensIn: 0, tokensOut: 0, errorCode: null, errorMessage: null, inputUnits: null }) satisfies Partial<AttemptRecord>;
const USUAL_ATTEMPT = usualAttempt();

/** A step spec's (no dependencies, no mappings, no condition, not optional). */
const usualStepSpec = () => ({ dependsOn: [], input: {}, output: {}, condition: null, optional: false }) satisfies Partial<StepSpec>;
const USUAL_STEP_SPEC = usualStepSpec();

function isEmptyObject(v: unknown): boolean {
  return typeof v === "object" && v !== null && !Array.isArray(v) && Object.keys(v).length === 0;
}

/** The spec as stored: each step without the fields at their usual values. */
function encodeSpec(spec: PipelineSpec): string {
  return JSON.stringify({ ...spec, steps: spec.steps.map((st) => withoutUsual(st, USUAL_STEP_SPEC)) });
}

function decodeSpec(text: string): PipelineSpec {
  const spec = JSON.parse(text) as Omit<PipelineSpec, "steps"> & { steps: Partial<StepSpec>[] };
  return { ...spec, steps: spec.steps.map((st) => ({ ...usualStepSpec(), ...st }) as StepSpec) };
}

/**
 * A cleanup entry as the meta document stores it: a short array (kind letter, the key without
 * this pipeline's id, and its figures), since a run's owed settlements ride in every meta write
 * until they are sent.
 */
type StoredCleanup = ["s", string, number] | ["h", string] | ["c", string, string, number | null];

function encodeCleanup(id: string, c: PipelineState["cleanup"][number]): StoredCleanup {
  const key = shortKey(id, c.key);
  return c.kind === "settle" ? ["s", key, c.actualMicros] : c.kind === "release_hold" ? ["h", key] : ["c", key, c.worker, c.observedMs];
}

function decodeCleanup(id: string, c: StoredCleanup | PipelineState["cleanup"][number]): PipelineState["cleanup"][number] {
  // Written before entries were arrays: an object with its full key.
  if (!Array.isArray(c)) return { ...c, key: fullKey(id, c.key) };
  const key = fullKey(id, c[1]);
  return c[0] === "s" ? { kind: "settle", key, actualMicros: c[2] } : c[0] === "h" ? { kind: "release_hold", key } : { kind: "release_capacity", key, worker: c[2], observedMs: c[3] };
}

/** `value` without the fields at their `usual` values (an empty array or object equals an empty one). */
function withoutUsual(value: object, usual: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const fields = value as Record<string, unknown>;
  for (const k in fields) {
    const v = fields[k];
    if (v === undefined) continue;
    if (Object.hasOwn(usual, k)) {
      const u = usual[k];
      if (u === v || (Array.isArray(u) && Array.isArray(v) && v.length === 0) || (isEmptyObject(u) && isEmptyObject(v))) continue;
    }
    out[k] = v;
  }
  return out;
}

function encodeAttempt(pipelineId: string, a: AttemptRecord): string {
  const { key, ...rest } = a;
  return JSON.stringify(withoutUsual(key === attemptKey(pipelineId, a.stepId, a.attempt) ? rest : a, USUAL_ATTEMPT));
}

function decodeAttempt(pipelineId: string, text: string): AttemptRecord {
  const a = JSON.parse(text) as Partial<AttemptRecord> & Pick<AttemptRecord, "stepId" | "attempt">;
  return { ...usualAttempt(), key: attemptKey(pipelineId, a.stepId, a.attempt), ...a } as AttemptRecord;
}


/**
 * The PipelineActor's state in SQLite, written by difference: a checkpoint writes the meta
 * document only when it changed, the context only when it changed, the rows of the steps that
 * changed (the core returns unchanged steps as the same objects; a row leaves out fields at
 * their usual values), the new attempts, and nothing of the spec or the outputs (the spec is
 * written once; an output when its step succeeds). Each statement writes one SQLite row.
 */
export function saveState(sql: SqlStorage, before: PipelineState | null, next: PipelineState): void {
  if (!before || before.spec !== next.spec) sql.exec(`INSERT OR REPLACE INTO spec (id, data) VALUES (1, ?)`, encodeSpec(next.spec));
  const meta = metaText(next);
  if (!before || meta !== metaText(before)) sql.exec(`INSERT OR REPLACE INTO meta (id, data) VALUES (1, ?)`, meta);
  const context = contextText(next.context);
  if (before ? context !== contextText(before.context) : context !== "{}") sql.exec(`INSERT OR REPLACE INTO context (id, data) VALUES (1, ?)`, context);
  next.steps.forEach((step, i) => {
    if (before?.steps[i] === step) return;
    sql.exec(`INSERT OR REPLACE INTO step_rows (ord, data) VALUES (?, ?)`, i, JSON.stringify(withoutUsual(step, USUAL_STEP)));
    // A step that just succeeded: its output, in the same transaction as the checkpoint.
    const output = next.outputs[step.id];
    if (step.outputRef && step.outputRef !== before?.steps[i]?.outputRef && output) {
      sql.exec(`INSERT OR REPLACE INTO step_outputs (step_id, attempt, data) VALUES (?, ?, ?)`, step.id, step.attempt, JSON.stringify(output));
    }
  });
  const known = before && before.attempts.length <= next.attempts.length ? before.attempts.length : 0;
  if (known === 0 && before) sql.exec(`DELETE FROM attempts`);
  const id = next.spec.pipelineId;
  next.attempts.slice(known).forEach((a, i) => sql.exec(`INSERT OR REPLACE INTO attempts (seq, data) VALUES (?, ?)`, known + i, encodeAttempt(id, a)));
}

/** Loads the state (null before the pipeline was created), outputs included. */
export function loadState(sql: SqlStorage): PipelineState | null {
  const spec = first<{ data: string }>(sql, `SELECT data FROM spec WHERE id = 1`);
  if (!spec) {
    // A state written before the split: one document.
    const legacy = first<{ state: string }>(sql, `SELECT state FROM pipeline WHERE id = 1`);
    return legacy ? withDefaults(JSON.parse(legacy.state) as PipelineState) : null;
  }
  const parsedSpec = decodeSpec(spec.data);
  // A meta document written before the context had its own row carries the context.
  const meta = decodeMeta(parsedSpec.pipelineId, first<{ data: string }>(sql, `SELECT data FROM meta WHERE id = 1`)!.data);
  const contextRow = first<{ data: string }>(sql, `SELECT data FROM context WHERE id = 1`);
  const context = contextRow ? (JSON.parse(contextRow.data) as JsonObject) : (meta.context ?? {});
  const steps = rows<{ data: string }>(sql, `SELECT data FROM step_rows ORDER BY ord`).map((r) => ({ ...usualStep(), ...(JSON.parse(r.data) as StepState) }));
  const attempts = rows<{ data: string }>(sql, `SELECT data FROM attempts ORDER BY seq`).map((r) => decodeAttempt(parsedSpec.pipelineId, r.data));
  // Each succeeded step's output of its current attempt, read in one statement.
  const wanted = new Map(steps.filter((st) => st.status === "succeeded" && st.outputRef).map((st) => [st.id, st.attempt]));
  const outputs: Record<string, JsonObject> = {};
  if (wanted.size > 0) {
    for (const row of rows<{ step_id: string; attempt: number; data: string }>(sql, `SELECT step_id, attempt, data FROM step_outputs`)) {
      if (wanted.get(row.step_id) === row.attempt) outputs[row.step_id] = JSON.parse(row.data) as JsonObject;
    }
  }
  return withDefaults({ ...meta, context, spec: parsedSpec, steps, attempts, outputs });
}

/** The stored output of a step's attempt, or null. */
export function loadOutput(sql: SqlStorage, stepId: string, attempt: number): JsonObject | null {
  const row = first<{ data: string }>(sql, `SELECT data FROM step_outputs WHERE step_id = ? AND attempt = ?`, stepId, attempt);
  return row ? (JSON.parse(row.data) as JsonObject) : null;
}

/** Fields added after a state may have been stored get their empty values. */
function withDefaults(s: PipelineState): PipelineState {
  return { ...s, abandoned: s.abandoned ?? [], heldAhead: s.heldAhead ?? true, admission: s.admission ?? "none", transfer: s.transfer ?? { actorBytes: 0, payloadBytes: 0 }, steps: s.steps.map((st) => ({ ...st, attemptBase: st.attemptBase ?? 0 })) };
}
