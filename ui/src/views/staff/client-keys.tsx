import { useState } from "react";
import type { ApiKeyCreated, ApiKeyList } from "../../../../src/contracts/clients";
import { api } from "../../api/http";
import { useAction } from "../../api/use-action";
import { useUser } from "../../api/session";
import { useApi } from "../../api/use-api";
import { Button, Card, ConfirmButton, Empty, ErrorBox, Field, Loaded, StatusBadge } from "../../components/ui";
import { dateTime } from "../../lib/format";

/** A client's API keys by prefix; an admin creates one (shown once) or revokes one. */
export function ClientKeys({ clientId }: { clientId: string }) {
  const admin = useUser().role === "admin";
  const keys = useApi<ApiKeyList>(`/client/${encodeURIComponent(clientId)}/api-keys`);
  const [name, setName] = useState("");
  const [created, setCreated] = useState<ApiKeyCreated | null>(null);
  // Checks the form and calls the API; useAction keeps busy and the failure.
  const action = useAction(async () => {
    setCopied(false);
    setCreated(await api.post<ApiKeyCreated>(`/client/${encodeURIComponent(clientId)}/api-keys`, { name }));
    setName("");
    keys.reload();
  });
  const { error } = action;
  const [copied, setCopied] = useState(false);
  const { fields } = action;
  return (
    <Card title="API keys">
      {created ? (
        <div className="secret" role="status" data-testid="new-api-key">
          <strong>New key “{created.name}”:</strong> <code>{created.api_key}</code>
          <Button onClick={() => { void navigator.clipboard?.writeText(created.api_key).then(() => setCopied(true), () => undefined); }}>{copied ? "Copied" : "Copy"}</Button>
          <span className="note">Store it now: it is shown this once and cannot be shown again.</span>
          <Button onClick={() => setCreated(null)}>Done</Button>
        </div>
      ) : null}
      <Loaded state={keys} what="Loading API keys">
        {(data) => data.api_keys.length === 0 ? <Empty>No API key yet.</Empty> : (
          <div className="table-wrap"><table>
            <thead><tr><th>Name</th><th>Prefix</th><th>Created</th><th>Last used</th><th>State</th>{admin ? <th><span className="sr-only">Actions</span></th> : null}</tr></thead>
            <tbody>{data.api_keys.map((k) => (
              <tr key={k.key_id}>
                <td>{k.name}</td><td className="mono">{k.key_prefix}…</td><td>{dateTime(k.created_at)}</td><td>{dateTime(k.last_used_at)}</td>
                <td>{k.revoked_at ? <><StatusBadge status="cancelled" /> <span className="muted">{dateTime(k.revoked_at)}</span></> : <StatusBadge status="active" />}</td>
                {admin ? (
                  <td>{k.revoked_at ? null : (
                    <ConfirmButton label="Revoke" variant="danger" question={<>Revoke the key “{k.name}” ({k.key_prefix}…)? It stops working at once.</>}
                      onConfirm={async () => { await api.delete(`/client/${encodeURIComponent(clientId)}/api-keys/${encodeURIComponent(k.key_id)}`); keys.reload(); }} />
                  )}</td>
                ) : null}
              </tr>
            ))}</tbody>
          </table></div>
        )}
      </Loaded>
      {admin ? (
        <form className="inline-form" onSubmit={action.submit} aria-label="Create an API key" style={{ marginTop: ".8rem" }}>
          <Field label="New key name" error={fields["body.name"]}>{(id, d) => <input id={id} aria-describedby={d} required maxLength={100} value={name} onChange={(e) => setName(e.target.value)} />}</Field>
          <Button type="submit" busy={action.busy}>Create key</Button>
        </form>
      ) : null}
      {error && Object.keys(fields).length === 0 ? <ErrorBox error={error} /> : null}
    </Card>
  );
}
