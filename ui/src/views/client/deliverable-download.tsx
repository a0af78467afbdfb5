import { useState } from "react";
import { api } from "../../api/http";
import { ErrorBox } from "../../components/ui";
import type { DeliverableLink } from "./api-types";

/**
 * Downloads a deliverable: asks the API for a freshly signed URL (GET /deliverables/:id; the
 * signature is the credential, the session token never goes in a URL) and follows it.
 */
export function DeliverableDownload({ id, name }: { id: string; name: string }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const download = async () => {
    setBusy(true);
    setError(null);
    try {
      const link = await api.get<DeliverableLink>(`/deliverables/${encodeURIComponent(id)}`);
      const a = document.createElement("a");
      a.href = link.download_url;
      a.download = name;
      a.rel = "noopener";
      document.body.append(a);
      a.click();
      a.remove();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <button type="button" className="btn btn-plain" onClick={() => void download()} disabled={busy} aria-busy={busy}
        aria-label={`Download ${name}`} data-testid="deliverable-download" data-deliverable-id={id}>
        {busy ? "Preparing…" : "Download"}
      </button>
      {error ? <ErrorBox error={error} title="Download failed" /> : null}
    </>
  );
}
