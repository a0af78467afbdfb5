import { useEffect, useState, type FormEvent } from "react";
import type { PoolConfigAnswer, PoolConfigInput } from "../../../../src/contracts/admin";
import { api, ApiError } from "../../api/http";
import { Button, ErrorBox, Field } from "../../components/ui";

interface Current { max_concurrent: number; queue_limit: number | undefined; lease_ttl_ms: number | undefined }

/** An admin's edit of a pool's limit, queue size and lease TTL (only what changed is sent). */
export function PoolForm({ worker, current }: { worker: string; current: Current }) {
  const [open, setOpen] = useState(false);
  const [limit, setLimit] = useState(String(current.max_concurrent));
  const [queue, setQueue] = useState(current.queue_limit === undefined ? "" : String(current.queue_limit));
  const [ttl, setTtl] = useState(current.lease_ttl_ms === undefined ? "" : String(current.lease_ttl_ms / 1000));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [saved, setSaved] = useState<string | null>(null);

  // While closed, the form follows the live values.
  useEffect(() => {
    if (open) return;
    setLimit(String(current.max_concurrent));
    setQueue(current.queue_limit === undefined ? "" : String(current.queue_limit));
    setTtl(current.lease_ttl_ms === undefined ? "" : String(current.lease_ttl_ms / 1000));
  }, [open, current.max_concurrent, current.queue_limit, current.lease_ttl_ms]);

  const fields = error instanceof ApiError ? error.fieldErrors() : {};
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const body: PoolConfigInput = {};
    if (limit.trim() !== "" && Number(limit) !== current.max_concurrent) body.max_concurrent = Number(limit);
    if (queue.trim() !== "" && Number(queue) !== current.queue_limit) body.queue_limit = Number(queue);
    if (ttl.trim() !== "" && Math.round(Number(ttl) * 1000) !== current.lease_ttl_ms) body.lease_ttl_ms = Math.round(Number(ttl) * 1000);
    if (Object.keys(body).length === 0) {
      setError(null);
      setSaved("Nothing changed.");
      return;
    }
    setBusy(true);
    setError(null);
    setSaved(null);
    try {
      const answer = await api.put<PoolConfigAnswer>(`/admin/actors/pools/${encodeURIComponent(worker)}`, body);
      setSaved(`Saved: limit ${answer.config.maxConcurrent}, queue ${answer.config.queueLimit}, lease TTL ${answer.config.leaseTtlMs / 1000} s.`);
      setOpen(false);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  if (!open) {
    return (
      <div className="row">
        <Button onClick={() => { setSaved(null); setOpen(true); }}>Edit capacity</Button>
        {saved ? <span className="note" role="status">{saved}</span> : null}
      </div>
    );
  }
  return (
    <form onSubmit={submit} className="stack" aria-label={`${worker} capacity`}>
      <div className="inline-form">
        <Field label="Concurrency limit" error={fields["body.max_concurrent"]}>
          {(id, d) => <input id={id} aria-describedby={d} type="number" min={1} max={1000} step={1} required value={limit} onChange={(e) => setLimit(e.target.value)} />}
        </Field>
        <Field label="Queue size" error={fields["body.queue_limit"]}>
          {(id, d) => <input id={id} aria-describedby={d} type="number" min={0} max={100000} step={1} value={queue} onChange={(e) => setQueue(e.target.value)} />}
        </Field>
        <Field label="Lease TTL (seconds)" error={fields["body.lease_ttl_ms"]}>
          {(id, d) => <input id={id} aria-describedby={d} type="number" min={1} max={3600} step="any" value={ttl} onChange={(e) => setTtl(e.target.value)} />}
        </Field>
      </div>
      {error && Object.keys(fields).length === 0 ? <ErrorBox error={error} /> : null}
      {saved ? <span className="note" role="status">{saved}</span> : null}
      <div className="row">
        <Button type="submit" variant="primary" busy={busy}>Save</Button>
        <Button onClick={() => { setOpen(false); setError(null); }}>Close</Button>
      </div>
    </form>
  );
}
