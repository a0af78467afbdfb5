import { useState } from "react";
import { Link } from "wouter";
import { api, ApiError } from "../../api/http";
import { ConfirmButton } from "../../components/ui";

type Outcome = { id: string; ok: true } | { id: string; ok: false; message: string };

/** Cancels the selected pipelines one by one (admin), then says which failed and why. */
export function BulkCancel({ ids, onDone }: { ids: string[]; onDone: () => void }) {
  const [outcomes, setOutcomes] = useState<Outcome[] | null>(null);
  const run = async () => {
    const results = await Promise.all(ids.map(async (id): Promise<Outcome> => {
      try {
        await api.post(`/admin/actors/pipelines/${encodeURIComponent(id)}/cancel`);
        return { id, ok: true };
      } catch (e) {
        return { id, ok: false, message: e instanceof ApiError ? `${e.message} (${e.code})` : String(e) };
      }
    }));
    setOutcomes(results);
    onDone();
  };
  const failed = outcomes?.filter((o): o is Extract<Outcome, { ok: false }> => !o.ok) ?? [];
  return (
    <div className="stack" style={{ marginBottom: ".6rem" }}>
      <div className="row">
        <ConfirmButton label={`Cancel selected (${ids.length})`} confirm={`Cancel ${ids.length} pipeline${ids.length === 1 ? "" : "s"}`} variant="danger" disabled={ids.length === 0}
          question={<>Cancel {ids.length} pipeline{ids.length === 1 ? "" : "s"}? Running steps are abandoned and their holds released; this cannot be undone.</>}
          onConfirm={run} />
        {outcomes ? <span className="note" role="status">{outcomes.length - failed.length} cancelled{failed.length > 0 ? `, ${failed.length} failed` : ""}.</span> : null}
      </div>
      {failed.length > 0 ? (
        <ul className="result-list bad-text" data-testid="bulk-failures">
          {failed.map((f) => <li key={f.id}><Link href={`/inspect/${f.id}`} className="mono">{f.id}</Link>: {f.message}</li>)}
        </ul>
      ) : null}
    </div>
  );
}
