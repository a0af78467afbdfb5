import { lazy, Suspense, type ComponentType } from "react";
import { Link, Redirect, Route, Router, Switch, useLocation } from "wouter";
import { isStaff, SessionProvider, useSession, useUser } from "./api/session";
import { Loading } from "./components/ui";
import { SignIn } from "./views/sign-in";

/** The dashboard lives under /dashboard; every link below is relative to it. */
export const BASE = "/dashboard";

// Views load on first use, so the first page's JavaScript stays small.
const view = (load: () => Promise<{ default: ComponentType }>) => lazy(load);
const Home = view(() => import("./views/client/home"));
const Requests = view(() => import("./views/client/requests"));
const RequestPage = view(() => import("./views/client/request-page"));
const StartRun = view(() => import("./views/client/start-run"));
const Deliverables = view(() => import("./views/client/deliverables"));
const PipelinePage = view(() => import("./views/pipeline/pipeline-page"));
const Pipelines = view(() => import("./views/staff/pipelines"));
const Inspector = view(() => import("./views/staff/inspector"));
const Pools = view(() => import("./views/staff/pools"));
const Ledgers = view(() => import("./views/staff/ledgers"));
const Desk = view(() => import("./views/staff/desk"));
const Clients = view(() => import("./views/staff/clients"));
const Economy = view(() => import("./views/staff/economy"));
const Health = view(() => import("./views/staff/health"));

/** The navigation a role sees. */
function navFor(role: string): [string, string][] {
  const client: [string, string][] = [["/", "Home"], ["/requests", "Requests"], ["/run", "Start a run"], ["/deliverables", "Deliverables"]];
  const staff: [string, string][] = [
    ["/pipelines", "Pipelines"], ["/desk", "Request desk"], ["/pools", "Pools"], ["/ledgers", "Ledgers"],
    ["/clients", "Clients"], ["/economy", "Economy"], ["/health", "Health"],
  ];
  return role === "client" ? client : staff;
}

function Shell() {
  const user = useUser();
  const { signOut } = useSession();
  const [location] = useLocation();
  const staff = isStaff(user);
  return (
    <div className="shell">
      <a className="skip" href="#main">Skip to content</a>
      <header className="topbar">
        <Link href="/" className="brand">AI Factory</Link>
        <nav aria-label="Main">
          {navFor(user.role).map(([href, label]) => (
            <Link key={href} href={href} className={(href === "/" ? location === "/" : location.startsWith(href)) ? "active" : ""}>{label}</Link>
          ))}
        </nav>
        <div className="who">
          <span title={user.email}>{user.full_name ?? user.email}</span>
          <span className="badge tone-muted">{user.role}</span>
          <button type="button" className="btn btn-plain" onClick={() => void signOut()}>Sign out</button>
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        <Suspense fallback={<Loading />}>
          <Switch>
            <Route path="/pipelines/:id">{(p) => <PipelinePage key={p.id} />}</Route>
            <Route path="/requests/:id">{(p) => <RequestPage key={p.id} />}</Route>
            <Route path="/requests" component={Requests} />
            <Route path="/run" component={StartRun} />
            <Route path="/deliverables" component={Deliverables} />
            {staff ? <Route path="/inspect/:id">{(p) => <Inspector key={p.id} />}</Route> : null}
            {staff ? <Route path="/pipelines" component={Pipelines} /> : null}
            {staff ? <Route path="/desk" component={Desk} /> : null}
            {staff ? <Route path="/pools" component={Pools} /> : null}
            {staff ? <Route path="/ledgers/:client?" component={Ledgers} /> : null}
            {staff ? <Route path="/clients/:id?" component={Clients} /> : null}
            {staff ? <Route path="/economy" component={Economy} /> : null}
            {staff ? <Route path="/health" component={Health} /> : null}
            <Route path="/">{staff ? <Redirect to="/pipelines" /> : <Home />}</Route>
            <Route><NotFound /></Route>
          </Switch>
        </Suspense>
      </main>
    </div>
  );
}

function NotFound() {
  return (
    <section className="page">
      <h1>Not found</h1>
      <p>There is no page here. <Link href="/">Go home</Link>.</p>
    </section>
  );
}

function Gate() {
  const { user } = useSession();
  if (user === undefined) return <Loading what="Signing in" />;
  if (user === null) return <SignIn />;
  return <Shell />;
}

export function App() {
  return (
    <SessionProvider>
      <Router base={BASE}>
        <Gate />
      </Router>
    </SessionProvider>
  );
}
