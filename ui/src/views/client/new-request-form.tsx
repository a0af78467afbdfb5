import { useState, type FormEvent } from "react";
import { api, ApiError } from "../../api/http";
import { Button, Card, ErrorBox, Field } from "../../components/ui";
import { URGENCIES, type CreateRequestInput, type CreateRequestResponse } from "./api-types";

const KINDS = [
  ["pipeline_execution", "A report or content (a pipeline run)"],
  ["information_request", "A question"],
  ["support_request", "Help with the service"],
] as const;

/** The form that makes a request (POST /requests): what is wanted, what kind, and how urgent (left out: the AI reads it in the message). */
export function NewRequestForm({ onCreated, onCancel }: { onCreated: (created: CreateRequestResponse) => void; onCancel: () => void }) {
  const [message, setMessage] = useState("");
  const [kind, setKind] = useState<CreateRequestInput["request_type"]>("pipeline_execution");
  const [urgency, setUrgency] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [tooShort, setTooShort] = useState(false);
  const fields = error instanceof ApiError ? error.fieldErrors() : tooShort ? { "body.message": "must be at least 3 characters" } : {};
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    // The API's first rule, checked here so an empty form needs no round trip.
    if (message.trim().length < 3) {
      setTooShort(true);
      setError(null);
      (event.currentTarget as HTMLFormElement).querySelector("textarea")?.focus();
      return;
    }
    setTooShort(false);
    setBusy(true);
    setError(null);
    try {
      const body: CreateRequestInput = { request_type: kind, message, ...(urgency ? { urgency_level: urgency as CreateRequestInput["urgency_level"] } : {}) };
      onCreated(await api.post<CreateRequestResponse>("/requests", body));
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  const shown = new Set(["body.message", "body.request_type", "body.urgency_level"]);
  const other = error instanceof ApiError && Object.keys(fields).some((f) => shown.has(f)) ? null : error;
  return (
    <Card title="New request">
      <form className="cl-form" onSubmit={submit} aria-label="New request" noValidate>
        <Field label="What do you need?" error={fields["body.message"]} hint="Describe the report or content: its topic, audience and anything it must cover.">
          {(id, describedBy) => (
            <textarea id={id} aria-describedby={describedBy} aria-invalid={Boolean(fields["body.message"])} required minLength={3} maxLength={10_000}
              rows={5} value={message} onChange={(e) => { setMessage(e.target.value); setTooShort(false); }} autoFocus data-testid="request-message" />
          )}
        </Field>
        <Field label="Kind" error={fields["body.request_type"]}>
          {(id, describedBy) => (
            <select id={id} aria-describedby={describedBy} value={kind} onChange={(e) => setKind(e.target.value as CreateRequestInput["request_type"])}>
              {KINDS.map(([value, label]) => <option key={value} value={value}>{label}</option>)}
            </select>
          )}
        </Field>
        <Field label="Urgency" error={fields["body.urgency_level"]} hint="Automatic: read from your message.">
          {(id, describedBy) => (
            <select id={id} aria-describedby={describedBy} value={urgency} onChange={(e) => setUrgency(e.target.value)} data-testid="request-urgency">
              <option value="">Automatic</option>
              {URGENCIES.map((u) => <option key={u} value={u}>{u}</option>)}
            </select>
          )}
        </Field>
        {other ? <ErrorBox error={other} title={other instanceof ApiError && other.status === 402 ? "No budget left this month" : "The request was not created"} /> : null}
        <div className="cl-form-actions">
          <Button type="submit" variant="primary" busy={busy} data-testid="create-request">Create request</Button>
          <Button onClick={onCancel}>Cancel</Button>
        </div>
      </form>
    </Card>
  );
}
