import type { JsonObject } from "../../lib/json";
import { first, rows } from "../shared/sqlite";
import type { AttemptRecord, PipelineSpec, PipelineState, StepState } from "./machine";

/** The parts of the state that are neither the spec, the steps, the attempts nor the outputs. */
type Meta = Omit<PipelineState, "spec" | "steps" | "attempts" | "outputs">;

/** The meta document's JSON per state object: a checkpoint compares against the previous one's without serialising it again. */
const metaJson = new WeakMap<PipelineState, string>();

function metaText(s: PipelineState): string {
  let text = metaJson.get(s);
  if (text === undefined) {
    const { spec: _spec, steps: _steps, attempts: _attempts, outputs: _outputs, ...meta } = s;
    text = JSON.stringify(meta satisfies Meta);
    metaJson.set(s, text);
  }
  return text;
}

/**
 * The PipelineActor's state in SQLite, written by difference: a checkpoint writes the meta
 * document only when it changed, the rows of the steps that changed (the core returns unchanged
 * steps as the same objects), the new attempts, and nothing of the spec or the outputs (the spec
 * is written once; outputs are stored when they arrive). Returns the bytes it wrote.
 */
export function saveState(sql: SqlStorage, before: PipelineState | null, next: PipelineState): number {
  let bytes = 0;
  const write = (query: string, ...binds: SqlStorageValue[]) => {
    sql.exec(query, ...binds);
    for (const b of binds) if (typeof b === "string") bytes += b.length;
  };
  if (!before || before.spec !== next.spec) write(`INSERT OR REPLACE INTO spec (id, data) VALUES (1, ?)`, JSON.stringify(next.spec));
  const meta = metaText(next);
  if (!before || meta !== metaText(before)) write(`INSERT OR REPLACE INTO meta (id, data) VALUES (1, ?)`, meta);
  next.steps.forEach((step, i) => {
    if (before?.steps[i] === step) return;
    write(`INSERT OR REPLACE INTO steps (id, ord, data) VALUES (?, ?, ?)`, step.id, i, JSON.stringify(step));
    // A step that just succeeded: its output, in the same transaction as the checkpoint.
    const output = next.outputs[step.id];
    if (step.outputRef && step.outputRef !== before?.steps[i]?.outputRef && output) {
      write(`INSERT OR REPLACE INTO outputs (step_id, attempt, data) VALUES (?, ?, ?)`, step.id, step.attempt, JSON.stringify(output));
    }
  });
  const known = before && before.attempts.length <= next.attempts.length ? before.attempts.length : 0;
  if (known === 0 && before) sql.exec(`DELETE FROM attempts`);
  next.attempts.slice(known).forEach((a, i) => write(`INSERT OR REPLACE INTO attempts (seq, data) VALUES (?, ?)`, known + i, JSON.stringify(a)));
  return bytes;
}

/** Loads the state (null before the pipeline was created), outputs included. */
export function loadState(sql: SqlStorage): PipelineState | null {
  const spec = first<{ data: string }>(sql, `SELECT data FROM spec WHERE id = 1`);
  if (!spec) {
    // A state written before the split: one document.
    const legacy = first<{ state: string }>(sql, `SELECT state FROM pipeline WHERE id = 1`);
    return legacy ? withDefaults(JSON.parse(legacy.state) as PipelineState) : null;
  }
  const meta = JSON.parse(first<{ data: string }>(sql, `SELECT data FROM meta WHERE id = 1`)!.data) as Meta;
  const steps = rows<{ data: string }>(sql, `SELECT data FROM steps ORDER BY ord`).map((r) => JSON.parse(r.data) as StepState);
  const attempts = rows<{ data: string }>(sql, `SELECT data FROM attempts ORDER BY seq`).map((r) => JSON.parse(r.data) as AttemptRecord);
  // Each succeeded step's output of its current attempt, read in one statement.
  const wanted = new Map(steps.filter((st) => st.status === "succeeded" && st.outputRef).map((st) => [st.id, st.attempt]));
  const outputs: Record<string, JsonObject> = {};
  if (wanted.size > 0) {
    for (const row of rows<{ step_id: string; attempt: number; data: string }>(sql, `SELECT step_id, attempt, data FROM outputs`)) {
      if (wanted.get(row.step_id) === row.attempt) outputs[row.step_id] = JSON.parse(row.data) as JsonObject;
    }
  }
  return withDefaults({ ...meta, spec: JSON.parse(spec.data) as PipelineSpec, steps, attempts, outputs });
}

/** Fields added after a state may have been stored get their empty values. */
function withDefaults(s: PipelineState): PipelineState {
  return { ...s, abandoned: s.abandoned ?? [], heldAhead: s.heldAhead ?? true, admission: s.admission ?? "none", transfer: s.transfer ?? { actorBytes: 0, payloadBytes: 0 }, steps: s.steps.map((st) => ({ ...st, attemptBase: st.attemptBase ?? 0 })) };
}
