import { useLocation } from "wouter";
import { query } from "../../api/http";
import { useApi } from "../../api/use-api";
import { Button, Card, Empty, Loaded, Page, Pager } from "../../components/ui";
import type { RequestList, TemplateList } from "./api-types";
import { NewRequestForm } from "./new-request-form";
import { dayEnd, dayStart, RequestFilters, type RequestFilterValues } from "./request-filters";
import { RequestRows } from "./request-rows";
import { useSearchParams } from "./use-search-params";
import "./client.css";

const LIMIT = 20;

/** The client's requests: filtered by status, template and dates, paged; `?new=1` opens the form that makes one. */
export default function Requests() {
  const [params, setParams] = useSearchParams();
  const [, navigate] = useLocation();
  const values: RequestFilterValues = {
    status: params.get("status") ?? "", template: params.get("template") ?? "", from: params.get("from") ?? "", to: params.get("to") ?? "",
  };
  const offset = Math.max(0, Number(params.get("offset")) || 0);
  const creating = params.get("new") === "1";
  const list = useApi<RequestList>(`/requests${query({
    status: values.status, template: values.template, since: dayStart(values.from), until: dayEnd(values.to), limit: LIMIT, offset,
  })}`);
  const templates = useApi<TemplateList>("/templates");
  const filtered = Boolean(values.status || values.template || values.from || values.to);
  return (
    <Page title="Requests" subtitle="What you asked for, and where each stands."
      actions={creating ? null : <Button variant="primary" onClick={() => setParams({ new: "1" })}>New request</Button>}>
      {creating ? (
        <div className="cl-section">
          <NewRequestForm onCancel={() => setParams({ new: null })} onCreated={(created) => navigate(`/requests/${created.request_id}`)} />
        </div>
      ) : null}
      <Card title={list.data ? `${list.data.total} request${list.data.total === 1 ? "" : "s"}${filtered ? " found" : ""}` : "Requests"} className="cl-section">
        <RequestFilters values={values} templates={templates.data?.templates ?? null}
          onChange={(changes) => setParams({ ...changes, offset: null }, { replace: true })} />
        <Loaded state={list} what="Loading requests">
          {(page) => page.requests.length === 0 ? (
            <Empty>{filtered ? "No request matches these filters." : <>No requests yet. <button type="button" className="btn btn-plain" onClick={() => setParams({ new: "1" })}>Make your first request</button></>}</Empty>
          ) : (
            <>
              <RequestRows requests={page.requests} />
              <Pager offset={page.offset} limit={page.limit} total={page.total} onChange={(next) => setParams({ offset: next ? String(next) : null })} />
            </>
          )}
        </Loaded>
      </Card>
    </Page>
  );
}
