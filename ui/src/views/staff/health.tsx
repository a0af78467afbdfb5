import { useCallback, useEffect, useState } from "react";
import type { HealthReport } from "../../../../src/contracts/health";
import { ApiError } from "../../api/http";
import { Button, Card, ErrorBox, Loading, Page, StatusBadge } from "../../components/ui";
import { dateTime, duration } from "../../lib/format";
import "./staff.css";

/** GET /health answers 503 with the same report when degraded, so it is read whatever the status. */
async function readHealth(signal: AbortSignal): Promise<HealthReport> {
  let response: Response;
  try {
    response = await fetch("/health", { headers: { Accept: "application/json" }, signal });
  } catch (e) {
    if (signal.aborted) throw e;
    throw new ApiError(0, "network_error", "the server could not be reached; check your connection and try again");
  }
  const body = (await response.json().catch(() => null)) as HealthReport | { error?: { code?: string; message?: string } } | null;
  if (body && "checks" in body) return body;
  throw new ApiError(response.status, body && "error" in body ? body.error?.code ?? "http_error" : "http_error", body && "error" in body ? body.error?.message ?? `the server answered ${response.status}` : `the server answered ${response.status}`);
}

/** /health — every dependency's check. */
export default function HealthView() {
  const [report, setReport] = useState<HealthReport | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(true);
  const [version, setVersion] = useState(0);
  const reload = useCallback(() => setVersion((n) => n + 1), []);
  useEffect(() => {
    const controller = new AbortController();
    setLoading(true);
    readHealth(controller.signal).then((r) => { setReport(r); setError(null); setLoading(false); }, (e: unknown) => { if (!controller.signal.aborted) { setError(e); setLoading(false); } });
    return () => controller.abort();
  }, [version]);

  return (
    <Page title="Health" subtitle="D1, KV, R2 and each Durable Object namespace, probed now." actions={<Button onClick={reload} busy={loading && report !== null}>Check again</Button>}>
      <ErrorBox error={error} />
      {!report ? (loading ? <Loading what="Checking" /> : null) : (
        <Card title={<>Service <StatusBadge status={report.status} /></>}>
          <p className="note">{report.service} {report.version} · checked {dateTime(report.timestamp)}</p>
          <div className="table-wrap">
            <table>
              <thead><tr><th>Check</th><th>Result</th><th className="num">Latency</th><th>Error</th></tr></thead>
              <tbody>
                {Object.entries(report.checks).map(([name, c]) => (
                  <tr key={name} data-testid={`health-${name}`}>
                    <td>{name.replace(/_/g, " ")}</td>
                    <td><StatusBadge status={c.ok ? "healthy" : "failed"} /></td>
                    <td className="num">{duration(c.latency_ms)}</td>
                    <td>{c.error ?? ""}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </Card>
      )}
    </Page>
  );
}
