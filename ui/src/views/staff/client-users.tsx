import { useState } from "react";
import type { ClientUserCreated, ClientUsers } from "../../../../src/contracts/clients";
import { api } from "../../api/http";
import { useAction } from "../../api/use-action";
import { useUser } from "../../api/session";
import { useApi } from "../../api/use-api";
import { Button, Card, Empty, ErrorBox, Field, Loaded, StatusBadge } from "../../components/ui";
import { dateTime } from "../../lib/format";

/** A client's users; an admin adds one. */
export function ClientUsersCard({ clientId }: { clientId: string }) {
  const admin = useUser().role === "admin";
  const users = useApi<ClientUsers>(`/client/${encodeURIComponent(clientId)}/users`);
  return (
    <Card title="Users">
      <Loaded state={users} what="Loading users">
        {(data) => data.users.length === 0 ? <Empty>No user can sign in for this client yet.</Empty> : (
          <div className="table-wrap"><table>
            <thead><tr><th>Name</th><th>Email</th><th>Status</th><th>Last sign-in</th></tr></thead>
            <tbody>{data.users.map((u) => (
              <tr key={u.user_id}><td>{u.full_name ?? ""}</td><td>{u.email}</td><td><StatusBadge status={u.status} /></td><td>{dateTime(u.last_login_at)}</td></tr>
            ))}</tbody>
          </table></div>
        )}
      </Loaded>
      {admin ? <NewUser clientId={clientId} onDone={users.reload} /> : null}
    </Card>
  );
}

function NewUser({ clientId, onDone }: { clientId: string; onDone: () => void }) {
  const [form, setForm] = useState({ full_name: "", email: "", password: "" });
  // Checks the form and calls the API; useAction keeps busy and the failure.
  const action = useAction(async () => {
    await api.post<ClientUserCreated>(`/client/${encodeURIComponent(clientId)}/users`, form);
    setForm({ full_name: "", email: "", password: "" });
    onDone();
  });
  const { error } = action;
  const { fields } = action;
  return (
    <form className="stack" onSubmit={action.submit} aria-label="Add a user">
      <h3>Add a user</h3>
      <div className="inline-form">
        <Field label="Full name" error={fields["body.full_name"]}>{(id, d) => <input id={id} aria-describedby={d} required value={form.full_name} onChange={(e) => setForm({ ...form, full_name: e.target.value })} />}</Field>
        <Field label="Email" error={fields["body.email"]}>{(id, d) => <input id={id} aria-describedby={d} type="email" required value={form.email} onChange={(e) => setForm({ ...form, email: e.target.value })} />}</Field>
        <Field label="Password" error={fields["body.password"]} hint="At least 12 characters">{(id, d) => <input id={id} aria-describedby={d} type="password" autoComplete="new-password" minLength={12} required value={form.password} onChange={(e) => setForm({ ...form, password: e.target.value })} />}</Field>
      </div>
      {error && Object.keys(fields).length === 0 ? <ErrorBox error={error} /> : null}
      <div className="row"><Button type="submit" busy={action.busy}>Add user</Button></div>
    </form>
  );
}
