import { useState } from "react";
import type { DeliverableList } from "../../../../src/contracts/deliverables";
import type { RunResult } from "../../../../src/contracts/pipeline";
import { useApi } from "../../api/use-api";
import { Empty, Loaded } from "../../components/ui";
import { DeliverableDownload } from "../client/deliverable-download";
import { bytes } from "../../lib/format";


interface Report { title?: string; html?: string; markdown?: string }
interface PackageFile { path?: string; name?: string; content?: string; content_type?: string }

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * The run's result: a report rendered in a sandboxed frame (no scripts, no same-origin access),
 * a course's files, and everything else the steps produced as JSON on request.
 */
export function RunResult({ pipelineId }: { pipelineId: string }) {
  const result = useApi<RunResult>(`/pipeline/${encodeURIComponent(pipelineId)}/result`);
  return (
    <Loaded state={result} what="Reading the result">
      {(r) => {
        const report = isRecord(r.context.report) ? (r.context.report as Report) : null;
        const pkg = isRecord(r.context.package) ? r.context.package : null;
        const files = pkg && Array.isArray(pkg.files) ? (pkg.files as PackageFile[]) : [];
        return (
          <div className="result">
            {r.unavailable?.length ? <p className="muted">No longer stored: {r.unavailable.map((u) => u.field).join(", ")}</p> : null}
            {report?.html ? (
              <iframe title={report.title ?? "Report"} className="report-frame" sandbox="" srcDoc={report.html} data-testid="report-frame" />
            ) : null}
            {files.length > 0 ? <CourseFiles files={files} /> : null}
            {!report?.html && files.length === 0 ? <Empty>This run produced no report or files{r.status === "completed" ? "" : ` (it ${r.status === "failed" ? "failed" : "ended " + r.status})`}.</Empty> : null}
            <details><summary>Everything the steps produced ({Object.keys(r.context).join(", ") || "nothing"})</summary><pre>{JSON.stringify(r.context, null, 2).slice(0, 200_000)}</pre></details>
          </div>
        );
      }}
    </Loaded>
  );
}

function CourseFiles({ files }: { files: PackageFile[] }) {
  const [open, setOpen] = useState(0);
  const file = files[open];
  return (
    <div className="course-files">
      <ul role="tablist" aria-label="Course files">
        {files.map((f, i) => (
          <li key={i}><button type="button" role="tab" aria-selected={i === open} className={i === open ? "active" : ""} onClick={() => setOpen(i)}>{f.path ?? f.name ?? `file ${i + 1}`}</button></li>
        ))}
      </ul>
      <pre role="tabpanel">{file?.content ?? ""}</pre>
    </div>
  );
}

/** The run's deliverables, each downloaded through a freshly signed URL (no session token in it). */
export function RunDeliverables({ pipelineId }: { pipelineId: string }) {
  const list = useApi<DeliverableList>(`/deliverables?pipeline_id=${encodeURIComponent(pipelineId)}`);
  return (
    <Loaded state={list} what="Listing deliverables">
      {(d) => d.deliverables.length === 0 ? <Empty>This run stored no deliverables.</Empty> : (
        <div className="table-wrap">
          <table>
            <thead><tr><th>Name</th><th>Format</th><th className="num">Size</th><th>Checksum</th><th /></tr></thead>
            <tbody>
              {d.deliverables.map((x) => (
                <tr key={x.id}>
                  <td>{x.name}</td><td>{x.format}</td><td className="num">{bytes(x.size)}</td>
                  <td><code title={x.checksum}>{x.checksum.slice(0, 19)}…</code></td>
                  <td><DeliverableDownload id={x.id} name={x.name} checksum={x.checksum} /></td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Loaded>
  );
}
