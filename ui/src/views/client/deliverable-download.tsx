import { api } from "../../api/http";
import { useAction } from "../../api/use-action";
import { ErrorBox } from "../../components/ui";
import type { DeliverableLink } from "./api-types";

/**
 * Downloads a deliverable: asks the API for a freshly signed URL (GET /deliverables/:id; the
 * signature is the credential, the session token never goes in a URL) and follows it.
 */
export function DeliverableDownload({ id, name, checksum }: { id: string; name: string; checksum?: string }) {
  const download = useAction(async () => {
    const link = await api.get<DeliverableLink>(`/deliverables/${encodeURIComponent(id)}`);
    const a = document.createElement("a");
    a.href = link.download_url;
    a.download = name;
    a.rel = "noopener";
    document.body.append(a);
    a.click();
    a.remove();
  });
  return (
    <>
      <button type="button" className="btn btn-plain" onClick={() => void download.run()} disabled={download.busy} aria-busy={download.busy}
        aria-label={`Download ${name}`} data-testid="deliverable-download" data-deliverable-id={id} data-checksum={checksum}>
        {download.busy ? "Preparing…" : "Download"}
      </button>
      {download.error ? <ErrorBox error={download.error} title="Download failed" /> : null}
    </>
  );
}
