import { isEnded } from "../../../../src/actors/pipeline/statuses";
import type { PipelineControlAnswer } from "../../../../src/contracts/admin";
import { api } from "../../api/http";
import type { PipelineSummary } from "../../api/types";
import { ConfirmButton } from "../../components/ui";

/** Pause, Resume and Cancel, each asked first; the change then shows live. */
export function InspectorControls({ id, status, onDone }: { id: string; status: string; onDone: (s: PipelineSummary) => void }) {
  const ended = isEnded(status);
  const run = async (action: "pause" | "resume" | "cancel") => {
    onDone(await api.post<PipelineControlAnswer>(`/admin/actors/pipelines/${encodeURIComponent(id)}/${action}`));
  };
  return (
    <div className="actions">
      <ConfirmButton label="Pause" disabled={ended || status === "paused"}
        question="Pause this pipeline? Running steps finish; nothing new starts until it is resumed." onConfirm={() => run("pause")} />
      <ConfirmButton label="Resume" variant="primary" disabled={status !== "paused"}
        question="Resume this pipeline? Waiting steps start again as budget and capacity allow." onConfirm={() => run("resume")} />
      <ConfirmButton label="Cancel" confirm="Cancel pipeline" variant="danger" disabled={ended}
        question="Cancel this pipeline? Running steps are abandoned, holds are released and it cannot be resumed." onConfirm={() => run("cancel")} />
    </div>
  );
}
