import { useState } from "react";
import * as v from "valibot";
import { CoursePackageSchema, ReportSchema, type CoursePackage } from "../../../../src/contracts/artifacts";
import type { DeliverableList } from "../../../../src/contracts/deliverables";
import type { RunResult } from "../../../../src/contracts/pipeline";
import { useApi } from "../../api/use-api";
import { Empty, Loaded } from "../../components/ui";
import { DeliverableDownload } from "../client/deliverable-download";
import { bytes } from "../../lib/format";


/**
 * The run's result: a report rendered in a sandboxed frame (no scripts, no same-origin access),
 * a course's files, and everything else the steps produced as JSON on request.
 */
export function RunResult({ pipelineId }: { pipelineId: string }) {
  const result = useApi<RunResult>(`/pipeline/${encodeURIComponent(pipelineId)}/result`);
  return (
    <Loaded state={result} what="Reading the result">
      {(r) => {
        // Read with the workers' own output schemas: anything else is not shown as a report or course.
        const parsedReport = v.safeParse(ReportSchema, r.context.report);
        const report = parsedReport.success ? parsedReport.output : null;
        const parsedPackage = v.safeParse(CoursePackageSchema, r.context.package);
        const pkg = parsedPackage.success ? parsedPackage.output : null;
        const files = pkg?.files ?? [];
        return (
          <div className="result">
            {r.unavailable?.length ? <p className="muted">No longer stored: {r.unavailable.map((u) => u.field).join(", ")}</p> : null}
            {report?.html ? (
              <iframe title={report.title ?? "Report"} className="report-frame" sandbox="" srcDoc={report.html} data-testid="report-frame" />
            ) : null}
            {pkg && files.length > 0 ? <CourseFiles pkg={pkg} /> : null}
            {!report?.html && files.length === 0 ? <Empty>This run produced no report or files{r.status === "completed" ? "" : ` (it ${r.status === "failed" ? "failed" : "ended " + r.status})`}.</Empty> : null}
            <details><summary>Everything the steps produced ({Object.keys(r.context).join(", ") || "nothing"})</summary><pre>{JSON.stringify(r.context, null, 2).slice(0, 200_000)}</pre></details>
          </div>
        );
      }}
    </Loaded>
  );
}

/** A course's files as tabs, each showing its text (the package keeps it by format). */
function CourseFiles({ pkg }: { pkg: CoursePackage }) {
  const [open, setOpen] = useState(0);
  const files = pkg.files;
  const file = files[open];
  return (
    <div className="course-files">
      <ul role="tablist" aria-label="Course files">
        {files.map((f, i) => (
          <li key={i}><button type="button" role="tab" aria-selected={i === open} className={i === open ? "active" : ""} onClick={() => setOpen(i)}>{f.name}</button></li>
        ))}
      </ul>
      {file?.format === "html"
        ? <iframe role="tabpanel" title={file.name} className="report-frame" sandbox="" srcDoc={pkg.documents.html ?? ""} />
        : <pre role="tabpanel">{file ? pkg.documents[file.format] ?? "" : ""}</pre>}
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
