import { useState, type FormEvent } from "react";
import { useSession } from "../api/session";
import { Button, ErrorBox, Field } from "../components/ui";

/** Email and password to a session. */
export function SignIn() {
  const { signIn } = useSession();
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await signIn(email, password);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <main className="sign-in">
      <form onSubmit={submit} className="card" aria-labelledby="sign-in-title">
        <h1 id="sign-in-title">AI Factory</h1>
        <p className="muted">Sign in to follow your reports and runs live.</p>
        <Field label="Email">{(id) => <input id={id} type="email" autoComplete="username" required value={email} onChange={(e) => setEmail(e.target.value)} />}</Field>
        <Field label="Password">{(id) => <input id={id} type="password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.target.value)} />}</Field>
        <ErrorBox error={error} title="Could not sign in" />
        <Button type="submit" variant="primary" busy={busy}>Sign in</Button>
      </form>
    </main>
  );
}
