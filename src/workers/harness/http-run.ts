import { clientScope, describePrincipal, type Principal } from "../../auth";
import { AppError, notFound } from "../../lib/errors";
import type { JsonObject } from "../../lib/json";
import type { Handshake, WorkerFailure, WorkerResult } from "../contract";
import type { AnyWorkerSpec } from "./define";
import { executeWorker } from "./execute";

/** An `Idempotency-Key` header as the HTTP worker routes accept it. */
const HEADER_KEY = /^[\w:.-]{8,200}$/;

/**
 * A worker's base cost per execution: the registry's (D1; an admin may have changed it since
 * deploy), else its built-in default.
 */
export async function baseCostOf(db: D1Database, spec: AnyWorkerSpec): Promise<number> {
  const row = await db.prepare(`SELECT cost_per_execution_micros FROM worker_registry WHERE worker_name = ?`).bind(spec.def.worker_name).first<{ cost_per_execution_micros: number }>();
  return row?.cost_per_execution_micros ?? spec.def.cost_per_execution_micros;
}

/** Fatal failures that are the worker's own bug, not the caller's input: a 500, as any bug. */
const BUG_CODES = new Set(["invalid_output", "invalid_handshake"]);

/** True when a failed run is a bug in the worker or the harness (its output broke its own schema). */
export function isWorkerBug(error: { kind: string; code: string }): boolean {
  return error.kind === "fatal" && BUG_CODES.has(error.code);
}

/** HTTP status for a failed run: busy 429, transient 503 (each with Retry-After), a bug 500, fatal (bad input, nothing to do) 422. */
export function failureStatus(error: { kind: string; code: string }): number {
  if (error.kind === "retry_after") return 429;
  if (error.kind === "transient") return 503;
  return isWorkerBug(error) ? 500 : 422;
}

/** The Retry-After header a failed run answers with (none for a fatal failure). */
export function failureHeaders(error: WorkerFailure["error"]): Record<string, string> {
  if (error.kind === "retry_after") return { "Retry-After": String(Math.ceil((error.retry_after_ms ?? 1000) / 1000)) };
  if (error.kind === "transient") return { "Retry-After": "1" };
  return {};
}

/** One run of a worker asked for over HTTP. */
export interface HttpRun {
  /** The worker's input, validated by the harness against the worker's schema. */
  input: JsonObject;
  /** The step id of the handshake (`execute` unless the caller names an action). */
  action?: string | undefined;
  /** Whose run it is (staff and workers may name a client; a client runs for itself). */
  client_id?: string | undefined;
  /** The caller's key; else the `Idempotency-Key` header; else a fresh one (no replay). */
  idempotency_key?: string | undefined;
  /** Milliseconds the run may take (default: the worker's timeout). */
  timeout?: number | undefined;
}

/**
 * Runs a built-in worker once for an HTTP caller, the way `POST /workers/:name/api/execute`
 * does (the same code path, so a key replays across both): the idempotency key from the body or the `Idempotency-Key` header (checked; 422 when
 * malformed), namespaced by worker, so a repeated key answers the first run's result; the run
 * is for the named client, else the caller's own client, else the caller itself (staff and
 * workers); the registry's base cost; the worker's deadline unless a shorter one is asked. The
 * harness validates the input (a fatal `invalid_input` naming the field) and classifies failures.
 * Nothing is held or charged at a ClientLedger: the cost is reported in the answer only.
 */
export async function runWorkerOverHttp(env: Env, spec: AnyWorkerSpec, principal: Principal, request: Request, now: number, run: HttpRun): Promise<WorkerResult & { client_id: string }> {
  const headerKey = request.headers.get("Idempotency-Key");
  if (headerKey !== null && !HEADER_KEY.test(headerKey)) throw new AppError("validation_failed", "Idempotency-Key header: 8 to 200 letters, digits, '_', ':', '.' or '-'");
  const key = run.idempotency_key ?? headerKey ?? `http:${crypto.randomUUID()}`;
  // A client runs for itself only: naming another client answers 404, as for any record it cannot see.
  const scope = clientScope(principal);
  if (scope !== null && run.client_id !== undefined && run.client_id !== scope) throw notFound("client", run.client_id);
  const clientId = scope ?? run.client_id ?? describePrincipal(principal);
  const handshake: Handshake = {
    pipeline_id: "http", step_id: run.action ?? "execute", attempt: 1, idempotency_key: `${spec.def.worker_name}:${key}`, worker: spec.def.worker_name,
    client_id: clientId, input: run.input, deadline_at: now + (run.timeout ?? spec.def.timeout_ms),
    base_cost_micros: await baseCostOf(env.DB, spec),
  };
  return { ...(await executeWorker(spec, env, handshake)), client_id: clientId };
}
