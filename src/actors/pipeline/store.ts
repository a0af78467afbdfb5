import type { JsonObject } from "../../lib/json";
import { first, rows } from "../shared/sqlite";
import { attemptKey, firstWorker, stepIdOfKey, type AttemptRecord, type PipelineSpec, type PipelineState, type StepSpec, type StepState } from "./machine";

/** The parts of the state that are neither the spec, the steps, the attempts, the outputs nor the context. */
type Meta = Omit<PipelineState, "spec" | "steps" | "attempts" | "outputs" | "context">;

/** The meta document's JSON per state object: a checkpoint compares against the previous one's without serialising it again. */
const metaJson = new WeakMap<PipelineState, string>();
/** The stored objects per state and per step object (the core keeps unchanged ones as the same objects). */
const storedMeta = new WeakMap<PipelineState, Record<string, unknown>>();
const storedStep = new WeakMap<StepState, Record<string, unknown>>();

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
  if (text === undefined) metaJson.set(s, (text = JSON.stringify(metaObject(s))));
  return text;
}

function decodeMeta(spec: PipelineSpec, raw: Record<string, unknown>): Meta {
  const { context: _context, ...fields } = raw;
  const stored = { ...usualMeta(), ...(fields as Partial<Meta>) } as Omit<Meta, "cleanup" | "transfer"> & { cleanup: (StoredCleanup | Meta["cleanup"][number])[]; transfer?: Meta["transfer"] | [number, number] };
  const id = spec.pipelineId;
  const transfer = stored.transfer;
  return {
    ...stored,
    cleanup: stored.cleanup.map((c) => decodeCleanup(spec, c)),
    abandoned: stored.abandoned.map((a) => ({ ...a, key: fullKey(id, a.key) })),
    // Stored as [actor bytes, payload bytes]; an object before.
    transfer: Array.isArray(transfer) ? { actorBytes: transfer[0], payloadBytes: transfer[1] } : transfer!,
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

/** An attempt's (its key is derived from the pipeline, step and attempt; its worker, when it is the step's first). */
const usualAttempt = () => ({ success: true, tokensIn: 0, tokensOut: 0, errorCode: null, errorMessage: null, inputUnits: null, costMicros: 0 }) satisfies Partial<AttemptRecord>;
const USUAL_ATTEMPT = usualAttempt();

/** A step spec's (no dependencies, no mappings, no condition, not optional). */
const usualStepSpec = () => ({ dependsOn: [], input: {}, output: {}, condition: null, optional: false }) satisfies Partial<StepSpec>;
const USUAL_STEP_SPEC = usualStepSpec();

function isEmptyObject(v: unknown): boolean {
  return typeof v === "object" && v !== null && !Array.isArray(v) && Object.keys(v).length === 0;
}

/**
 * The spec as stored: each step as its differences from the step before it (the first's from the
 * usual values), under `chain`: a template's steps mostly share their retry policy, timeout,
 * worker binding and mappings' shape. A spec stored before had `steps` (whole, or without the
 * usual values).
 */
function encodeSpec(spec: PipelineSpec): string {
  let previous: Record<string, unknown> = USUAL_STEP_SPEC;
  const chain = spec.steps.map((st) => {
    const fields: Record<string, unknown> = { id: st.id };
    const step = st as unknown as Record<string, unknown>;
    for (const k of new Set([...Object.keys(previous), ...Object.keys(step)])) {
      if (k === "id") continue;
      const v = step[k];
      // (Every field of a step spec is required; one missing or undefined reads back as null, never as the step before's.)
      if (v === undefined) {
        if (previous[k] !== undefined) fields[k] = null;
      } else if (!same(previous[k], v)) {
        fields[k] = v;
      }
    }
    previous = st as unknown as Record<string, unknown>;
    return fields;
  });
  const { steps: _steps, ...rest } = spec;
  return JSON.stringify({ ...rest, chain });
}

function decodeSpec(text: string): PipelineSpec {
  const stored = JSON.parse(text) as Omit<PipelineSpec, "steps"> & { steps?: Partial<StepSpec>[]; chain?: Partial<StepSpec>[] };
  const { chain, steps, ...rest } = stored;
  if (!chain) return { ...rest, steps: (steps ?? []).map((st) => ({ ...usualStepSpec(), ...st }) as StepSpec) };
  let previous = usualStepSpec() as unknown as StepSpec;
  return { ...rest, steps: chain.map((fields) => (previous = { ...previous, ...fields } as StepSpec)) };
}

/**
 * A cleanup entry as the meta document stores it: a short array (kind letter, the key without
 * this pipeline's id, and its figures), since a run's owed settlements ride in every meta write
 * until they are sent.
 */
type StoredCleanup = ["s", string, number] | ["h", string] | ["c", string, string | 0, number | null];

/** A capacity release names its worker as 0 when that is its step's first. */
function encodeCleanup(spec: PipelineSpec, c: PipelineState["cleanup"][number]): StoredCleanup {
  const key = shortKey(spec.pipelineId, c.key);
  if (c.kind === "settle") return ["s", key, c.actualMicros];
  if (c.kind === "release_hold") return ["h", key];
  const step = stepIdOfKey(spec.pipelineId, c.key);
  return ["c", key, step !== null && c.worker === firstWorker(spec, step) ? 0 : c.worker, c.observedMs];
}

function decodeCleanup(spec: PipelineSpec, c: StoredCleanup | PipelineState["cleanup"][number]): PipelineState["cleanup"][number] {
  const id = spec.pipelineId;
  // Written before entries were arrays: an object with its full key.
  if (!Array.isArray(c)) return { ...c, key: fullKey(id, c.key) };
  const key = fullKey(id, c[1]);
  if (c[0] === "s") return { kind: "settle", key, actualMicros: c[2] };
  if (c[0] === "h") return { kind: "release_hold", key };
  const worker = c[2] === 0 ? (firstWorker(spec, stepIdOfKey(id, key) ?? "") ?? "") : c[2];
  return { kind: "release_capacity", key, worker, observedMs: c[3] };
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

function attemptObject(spec: PipelineSpec, a: AttemptRecord): Record<string, unknown> {
  const { key, worker, ...rest } = a;
  const fields: Record<string, unknown> = { ...rest };
  if (worker !== firstWorker(spec, a.stepId)) fields.worker = worker;
  if (key !== attemptKey(spec.pipelineId, a.stepId, a.attempt)) fields.key = key;
  return withoutUsual(fields, USUAL_ATTEMPT);
}

function decodeAttempt(spec: PipelineSpec, stored: Record<string, unknown>): AttemptRecord {
  const a = stored as Partial<AttemptRecord> & Pick<AttemptRecord, "stepId" | "attempt">;
  return { ...usualAttempt(), key: attemptKey(spec.pipelineId, a.stepId, a.attempt), worker: firstWorker(spec, a.stepId) ?? "", ...a } as AttemptRecord;
}

/** A state as stored, before decoding: each row's object (fields at their usual values left out). */
interface Raw {
  spec: PipelineSpec;
  meta: Record<string, unknown>;
  context: JsonObject;
  steps: Record<string, unknown>[];
  attempts: Record<string, unknown>[];
}

/**
 * A write's state change, as its journal row carries it (checkpoints.ts): the fields of the meta
 * document and of each step that changed (a field back at its usual value is given that value;
 * a field gone, null), the context when it changed, the attempts appended (the core only ever
 * appends them). Applied to the stored objects in order, it gives the next state's.
 */
interface Delta {
  m?: Record<string, unknown>;
  c?: JsonObject;
  s?: [number, Record<string, unknown>][];
  a?: Record<string, unknown>[];
}


/** The meta document as stored: cleanup entries as short arrays, keys without the pipeline id, usual values left out. */
function metaObject(s: PipelineState): Record<string, unknown> {
  let stored = storedMeta.get(s);
  if (stored === undefined) {
    const { spec, steps: _steps, attempts: _attempts, outputs: _outputs, context: _context, ...meta } = s;
    const id = spec.pipelineId;
    stored = withoutUsual({
      ...meta,
      cleanup: meta.cleanup.map((c) => encodeCleanup(spec, c)),
      abandoned: meta.abandoned.map((a) => ({ ...a, key: shortKey(id, a.key) })),
      transfer: [meta.transfer.actorBytes, meta.transfer.payloadBytes],
    }, USUAL_META);
    storedMeta.set(s, stored);
  }
  return stored;
}

function stepObject(step: StepState): Record<string, unknown> {
  let stored = storedStep.get(step);
  if (stored === undefined) storedStep.set(step, (stored = withoutUsual(step, USUAL_STEP)));
  return stored;
}

function same(a: unknown, b: unknown): boolean {
  return a === b || (typeof a === "object" && typeof b === "object" && a !== null && b !== null && JSON.stringify(a) === JSON.stringify(b));
}

/**
 * An array field's change as an edit, when that is shorter than the array: the indexes of the
 * elements dropped from `before` and the elements appended (`{"~": [dropped, appended]}`), for
 * lists that mostly grow at the end and lose elements anywhere (owed cleanup, notes).
 */
function arrayEdit(before: unknown[], after: unknown[]): { "~": [number[], unknown[]] } | null {
  const dropped: number[] = [];
  let j = 0;
  for (let i = 0; i < before.length; i += 1) {
    if (j < after.length && same(before[i], after[j])) j += 1;
    else dropped.push(i);
  }
  return dropped.length + (after.length - j) < after.length ? { "~": [dropped, after.slice(j)] } : null;
}

function isEdit(v: unknown): v is { "~": [number[], unknown[]] } {
  return typeof v === "object" && v !== null && !Array.isArray(v) && Object.hasOwn(v, "~");
}

/** The fields of `after` that differ from `before` (a field `after` leaves out: its usual value, or null). */
function fieldChanges(before: Record<string, unknown>, after: Record<string, unknown>, usual: Record<string, unknown>): Record<string, unknown> | null {
  let out: Record<string, unknown> | null = null;
  for (const k in after) {
    const a = after[k];
    const b = before[k] ?? usual[k];
    if (same(b, a)) continue;
    (out ??= {})[k] = (Array.isArray(a) && Array.isArray(b) && arrayEdit(b, a)) || a;
  }
  for (const k in before) if (!(k in after)) (out ??= {})[k] = Object.hasOwn(usual, k) ? usual[k] : null;
  return out;
}

/**
 * Applies a delta's field changes to a stored object. A null for a field without a usual value
 * means the field is gone (no such field is nullable today: a nullable field belongs in the usual
 * values, where null is stored as that value).
 */
function applyFields(target: Record<string, unknown>, changes: Record<string, unknown>, usual: Record<string, unknown>): void {
  for (const k in changes) {
    let v = changes[k];
    if (isEdit(v)) {
      const [dropped, appended] = v["~"];
      const current = (target[k] ?? usual[k] ?? []) as unknown[];
      v = [...current.filter((_, i) => !dropped.includes(i)), ...appended];
    }
    if (Object.hasOwn(usual, k) ? same(v, usual[k]) : v === null) delete target[k];
    else target[k] = v;
  }
}

/** What changed from `before` to `next`, as a journal row's state text; null when nothing did. */
export function stateDelta(before: PipelineState, next: PipelineState): string | null {
  const d: Delta = {};
  if (metaText(before) !== metaText(next)) {
    const m = fieldChanges(metaObject(before), metaObject(next), USUAL_META);
    if (m) d.m = m;
  }
  if (contextText(before.context) !== contextText(next.context)) d.c = next.context;
  next.steps.forEach((step, i) => {
    const old = before.steps[i];
    if (old === step) return;
    const changes = fieldChanges(old ? stepObject(old) : {}, stepObject(step), USUAL_STEP);
    if (changes) (d.s ??= []).push([i, changes]);
  });
  if (next.attempts.length > before.attempts.length) d.a = next.attempts.slice(before.attempts.length).map((a) => attemptObject(next.spec, a));
  return d.m || d.c || d.s || d.a ? JSON.stringify(d) : null;
}

function applyDelta(raw: Raw, text: string): void {
  const d = JSON.parse(text) as Delta;
  if (d.m) applyFields(raw.meta, d.m, USUAL_META);
  if (d.c) raw.context = d.c;
  for (const [i, changes] of d.s ?? []) applyFields((raw.steps[i] ??= {}), changes, USUAL_STEP);
  if (d.a) raw.attempts.push(...d.a);
}

/** A step's row before it ever changed: none is written (the spec says which steps there are). */
function isInitialStep(stored: Record<string, unknown>): boolean {
  return stored.status === "pending" && Object.keys(stored).length === 2;
}

/**
 * A snapshot of the state in SQLite, written by difference from the previous snapshot (`before`,
 * null for none): the spec once, the meta document (always: it says which journal row the
 * snapshot is as of), the context when it changed, the rows of the steps that changed (a step
 * that never changed has no row), the attempts appended. Each statement writes one SQLite row.
 * Step outputs are written with each write instead (`saveOutputs`).
 */
export function saveSnapshot(sql: SqlStorage, before: PipelineState | null, next: PipelineState, journal: number): void {
  if (!before || before.spec !== next.spec) sql.exec(`INSERT OR REPLACE INTO spec (id, data) VALUES (1, ?)`, encodeSpec(next.spec));
  sql.exec(`INSERT OR REPLACE INTO meta (id, data, journal) VALUES (1, ?, ?)`, metaText(next), journal);
  const context = contextText(next.context);
  if (before ? context !== contextText(before.context) : context !== "{}") sql.exec(`INSERT OR REPLACE INTO context (id, data) VALUES (1, ?)`, context);
  next.steps.forEach((step, i) => {
    const old = before?.steps[i];
    if (old === step) return;
    const stored = stepObject(step);
    if (old ? same(stepObject(old), stored) : isInitialStep(stored)) return;
    sql.exec(`INSERT OR REPLACE INTO step_rows (ord, data) VALUES (?, ?)`, i, JSON.stringify(stored));
  });
  const known = before?.attempts.length ?? 0;
  next.attempts.slice(known).forEach((a, i) => sql.exec(`INSERT OR REPLACE INTO attempts (seq, data) VALUES (?, ?)`, known + i, JSON.stringify(attemptObject(next.spec, a))));
}

/** The outputs of the steps that succeeded since `before`, in the transaction of the write that records it. */
export function saveOutputs(sql: SqlStorage, before: PipelineState | null, next: PipelineState): void {
  next.steps.forEach((step, i) => {
    if (before?.steps[i] === step) return;
    const output = next.outputs[step.id];
    if (step.outputRef && step.outputRef !== before?.steps[i]?.outputRef && output) {
      sql.exec(`INSERT OR REPLACE INTO step_outputs (step_id, attempt, data) VALUES (?, ?, ?)`, step.id, step.attempt, JSON.stringify(output));
    }
  });
}

/** A loaded state: the state, the snapshot it was replayed from, and how much journal that took. */
export interface Loaded {
  state: PipelineState;
  /**
   * The state as of the snapshot (what the next snapshot is written by difference from). Null
   * only for a state stored as one document (the `pipeline` table): its next write takes a
   * snapshot. Rows written before the journal carried state are a snapshot as of row 0.
   */
  snapshot: PipelineState | null;
  /** The journal row the snapshot is as of. */
  journal: number;
  /** Journal rows replayed on top of the snapshot, and their state text's length. */
  replayed: number;
  replayedBytes: number;
}

/** Loads the state (null before the pipeline was created): the snapshot, the journal's changes since, and the outputs. */
export function loadState(sql: SqlStorage): Loaded | null {
  const specRow = first<{ data: string }>(sql, `SELECT data FROM spec WHERE id = 1`);
  if (!specRow) {
    // A state written before the split: one document.
    const legacy = first<{ state: string }>(sql, `SELECT state FROM pipeline WHERE id = 1`);
    if (!legacy) return null;
    const state = withDefaults(JSON.parse(legacy.state) as PipelineState);
    return { state, snapshot: null, journal: 0, replayed: 0, replayedBytes: 0 };
  }
  const spec = decodeSpec(specRow.data);
  const metaRow = first<{ data: string; journal: number }>(sql, `SELECT data, journal FROM meta WHERE id = 1`)!;
  const contextRow = first<{ data: string }>(sql, `SELECT data FROM context WHERE id = 1`);
  const meta = JSON.parse(metaRow.data) as Record<string, unknown>;
  const raw: Raw = {
    spec, meta,
    // A meta document written before the context had its own row carries the context.
    context: contextRow ? (JSON.parse(contextRow.data) as JsonObject) : ((meta.context as JsonObject | undefined) ?? {}),
    steps: spec.steps.map((st) => ({ id: st.id, status: "pending" })),
    attempts: rows<{ data: string }>(sql, `SELECT data FROM attempts ORDER BY seq`).map((r) => JSON.parse(r.data) as Record<string, unknown>),
  };
  delete meta.context;
  for (const r of rows<{ ord: number; data: string }>(sql, `SELECT ord, data FROM step_rows ORDER BY ord`)) raw.steps[r.ord] = JSON.parse(r.data) as Record<string, unknown>;
  const snapshot = decodeRaw(raw);
  let replayed = 0;
  let replayedBytes = 0;
  for (const r of rows<{ state: string }>(sql, `SELECT state FROM event_batches WHERE id > ? AND state IS NOT NULL ORDER BY id`, metaRow.journal)) {
    applyDelta(raw, r.state);
    replayed += 1;
    replayedBytes += r.state.length;
  }
  const partial = replayed > 0 ? decodeRaw(raw) : snapshot;
  // Each succeeded step's output of its current attempt, read in one statement.
  const wanted = new Map(partial.steps.filter((st) => st.status === "succeeded" && st.outputRef).map((st) => [st.id, st.attempt]));
  const outputs: Record<string, JsonObject> = {};
  if (wanted.size > 0) {
    for (const row of rows<{ step_id: string; attempt: number; data: string }>(sql, `SELECT step_id, attempt, data FROM step_outputs`)) {
      if (wanted.get(row.step_id) === row.attempt) outputs[row.step_id] = JSON.parse(row.data) as JsonObject;
    }
  }
  return { state: { ...partial, outputs }, snapshot: { ...snapshot, outputs }, journal: metaRow.journal, replayed, replayedBytes };
}

/** The state the stored objects hold, without outputs (each decoded into new objects: the raw ones may change later). */
function decodeRaw(raw: Raw): PipelineState {
  const meta = decodeMeta(raw.spec, raw.meta);
  const steps = raw.steps.map((st) => ({ ...usualStep(), ...st }) as StepState);
  const attempts = raw.attempts.map((a) => decodeAttempt(raw.spec, a));
  return withDefaults({ ...meta, context: raw.context, spec: raw.spec, steps, attempts, outputs: {} });
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
