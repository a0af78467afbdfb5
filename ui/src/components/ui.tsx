import { useEffect, useId, useRef, type ButtonHTMLAttributes, type ReactNode } from "react";
import { ApiError } from "../api/http";
import { useAction } from "../api/use-action";

/** A view's frame: its title, a line under it, actions on the right. */
export function Page({ title, subtitle, actions, children }: { title: ReactNode; subtitle?: ReactNode; actions?: ReactNode; children: ReactNode }) {
  useEffect(() => {
    if (typeof title === "string") document.title = `${title} · AI Factory`;
  }, [title]);
  return (
    <section className="page">
      <header className="page-head">
        <div>
          <h1>{title}</h1>
          {subtitle ? <p className="muted">{subtitle}</p> : null}
        </div>
        {actions ? <div className="actions">{actions}</div> : null}
      </header>
      {children}
    </section>
  );
}

/** A titled panel. */
export function Card({ title, actions, children, className }: { title?: ReactNode; actions?: ReactNode; children: ReactNode; className?: string }) {
  return (
    <div className={`card ${className ?? ""}`}>
      {title || actions ? (
        <div className="card-head">
          {title ? <h2>{title}</h2> : <span />}
          {actions}
        </div>
      ) : null}
      {children}
    </div>
  );
}

type ButtonProps = ButtonHTMLAttributes<HTMLButtonElement> & { variant?: "primary" | "danger" | "plain"; busy?: boolean };

/** A button; `busy` disables it and says so. */
export function Button({ variant = "plain", busy = false, children, disabled, className, ...rest }: ButtonProps) {
  return (
    <button type="button" {...rest} className={`btn btn-${variant} ${className ?? ""}`} disabled={disabled || busy} aria-busy={busy}>
      {busy ? "Working…" : children}
    </button>
  );
}

const TONES: Record<string, string> = {
  completed: "ok", succeeded: "ok", active: "ok", healthy: "ok", live: "ok", held: "info", trial: "info",
  running: "info", processing: "info", queued: "wait", pending: "wait", waiting_budget: "wait", waiting_capacity: "wait",
  retry_wait: "warn", paused: "warn", partial: "warn", degraded: "warn", reconnecting: "warn", connecting: "wait",
  failed: "bad", cancelled: "muted", skipped: "muted", suspended: "bad", released: "muted", none: "muted",
};

/** A status word in its colour. */
export function StatusBadge({ status }: { status: string }) {
  return <span className={`badge tone-${TONES[status] ?? "muted"}`} data-status={status}>{status.replace(/_/g, " ")}</span>;
}

/** An API error's own message (and code), or any other error's. */
export function ErrorBox({ error, title }: { error: unknown; title?: string }) {
  if (!error) return null;
  const message = error instanceof ApiError ? error.message : error instanceof Error ? error.message : String(error);
  const code = error instanceof ApiError ? error.code : null;
  return (
    <div className="error-box" role="alert">
      <strong>{title ?? (error instanceof ApiError && error.status === 404 ? "Not found" : "Something went wrong")}</strong>
      <span>{message}</span>
      {code ? <code>{code}</code> : null}
    </div>
  );
}

/** Nothing to show, and what to do about it. */
export function Empty({ children }: { children: ReactNode }) {
  return <p className="empty">{children}</p>;
}

/** A loading line (with an accessible status). */
export function Loading({ what = "Loading" }: { what?: string }) {
  return <p className="loading" role="status">{what}…</p>;
}

/** Loading, error or the content: the three states every fetched view has. */
export function Loaded<T>({ state, children, what }: { state: { data: T | null; error: unknown; loading: boolean }; children: (data: T) => ReactNode; what?: string }) {
  if (state.error && !state.data) return <ErrorBox error={state.error} />;
  if (!state.data) return <Loading {...(what ? { what } : {})} />;
  return <>{state.error ? <ErrorBox error={state.error} /> : null}{children(state.data)}</>;
}

/** A labelled form field with its rule's error under it (the API's 422 names the field). */
export function Field({ label, error, hint, children }: { label: string; error?: string | undefined; hint?: ReactNode; children: (id: string, describedBy: string | undefined) => ReactNode }) {
  const id = useId();
  const errorId = `${id}-error`;
  return (
    <div className={`field ${error ? "has-error" : ""}`}>
      <label htmlFor={id}>{label}</label>
      {children(id, error ? errorId : undefined)}
      {hint && !error ? <small className="muted">{hint}</small> : null}
      {error ? <small id={errorId} className="field-error" role="alert">{error}</small> : null}
    </div>
  );
}

/**
 * A button that asks first: a dialog naming what will happen, then `onConfirm`. Errors from the
 * action are shown in the dialog.
 */
export function ConfirmButton({ label, question, confirm = label, variant = "plain", onConfirm, disabled, title }: {
  label: string; question: ReactNode; confirm?: string; variant?: "primary" | "danger" | "plain";
  onConfirm: () => Promise<unknown>; disabled?: boolean;
  /** Why it is disabled, or what it does (a tooltip). */
  title?: string | undefined;
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  const action = useAction(async () => {
    await onConfirm();
    dialog.current?.close();
  });
  const { busy, error, setError, run } = action;
  return (
    <>
      <Button variant={variant} disabled={disabled} title={title} onClick={() => { setError(null); dialog.current?.showModal(); }}>{label}</Button>
      <dialog ref={dialog} className="confirm">
        <p>{question}</p>
        <ErrorBox error={error} />
        <div className="actions">
          <Button onClick={() => dialog.current?.close()}>Cancel</Button>
          <Button variant={variant === "plain" ? "primary" : variant} busy={busy} onClick={run}>{confirm}</Button>
        </div>
      </dialog>
    </>
  );
}

/** A key–value list. */
export function Facts({ items }: { items: [ReactNode, ReactNode][] }) {
  return (
    <dl className="facts">
      {items.map(([k, v], i) => (
        <div key={i}><dt>{k}</dt><dd>{v}</dd></div>
      ))}
    </dl>
  );
}

/** Previous / next over an offset-paged list. */
export function Pager({ offset, limit, total, onChange }: { offset: number; limit: number; total: number; onChange: (offset: number) => void }) {
  if (total <= limit) return null;
  return (
    <nav className="pager" aria-label="Pages">
      <Button disabled={offset === 0} onClick={() => onChange(Math.max(0, offset - limit))}>← Newer</Button>
      <span className="muted">{offset + 1}–{Math.min(total, offset + limit)} of {total}</span>
      <Button disabled={offset + limit >= total} onClick={() => onChange(offset + limit)}>Older →</Button>
    </nav>
  );
}

/** A meter: a part of a whole, with its label. */
export function Meter({ value, max, label, tone }: { value: number; max: number; label?: string; tone?: "ok" | "warn" | "bad" | "info" }) {
  const share = max > 0 ? Math.min(1, Math.max(0, value / max)) : 0;
  return (
    <div className={`meter tone-${tone ?? "info"}`} role="meter" aria-valuemin={0} aria-valuemax={max} aria-valuenow={value} aria-label={label}>
      <div style={{ width: `${share * 100}%` }} />
    </div>
  );
}
