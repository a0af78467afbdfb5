/**
 * The real local stack for tests that run in Node: `wrangler dev` on a port and a persist
 * directory of its own, started, seeded, stopped, and killed as a crash kills it (SIGKILL to
 * the whole process group, workerd included). A restart on the same directory keeps every
 * actor's SQLite, alarms, D1, KV and R2.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";

const ROOT = path.join(import.meta.dirname, "..", "..");
const WRANGLER = path.join(ROOT, "node_modules", ".bin", "wrangler");

/** The secrets and settings the stack runs with (local, public). */
export const STACK_VARS = {
  ENVIRONMENT: "development",
  WORKER_SHARED_SECRET: "stack-test-worker-secret-0123456789abcdef",
  URL_SIGNING_KEY: "stack-test-url-signing-key-0123456789abcdef",
  OPENAI_API_KEY: "",
} as const;

/** A free TCP port on loopback. */
export async function freePort(): Promise<number> {
  return await new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** `wrangler d1 migrations apply` into a persist directory, killed after 60 s. */
function applyMigrations(dir: string) {
  return spawnSync(WRANGLER, ["d1", "migrations", "apply", "DB", "--local", "--persist-to", dir], {
    cwd: ROOT, env: { ...process.env, CI: "1", NO_COLOR: "1" }, encoding: "utf8", timeout: 60_000, killSignal: "SIGKILL",
  });
}

/** One local stack: its origin, and how to stop or crash it. */
export class LocalStack {
  private child: ChildProcess | null = null;
  private output: string[] = [];
  readonly origin: string;

  private constructor(readonly port: number, readonly inspectorPort: number, readonly persistDir: string, private readonly config: string | null) {
    this.origin = `http://127.0.0.1:${port}`;
  }

  /**
   * A stack on free ports over a fresh persist directory with the D1 migrations applied (not
   * started). `config`: another wrangler config to run instead of the project's (a fixture).
   */
  static async create(config: string | null = null): Promise<LocalStack> {
    const dir = mkdtempSync(path.join(tmpdir(), "aif-stack-"));
    if (config === null) {
      // wrangler's local D1 now and then stalls on a loaded machine (a whole-suite run once lost
      // its 180 s hook here): each try is bounded, and a stalled one is tried again once.
      let migrate = applyMigrations(dir);
      if (migrate.status !== 0 && migrate.error) migrate = applyMigrations(dir);
      if (migrate.status !== 0) throw new Error(`D1 migrations failed: ${migrate.error?.message ?? ""} ${migrate.stderr || migrate.stdout}`);
    }
    return new LocalStack(await freePort(), await freePort(), dir, config);
  }

  /** A fresh stack, started and seeded with the demo catalog: what most stack suites begin with. */
  static async seeded(): Promise<LocalStack> {
    const stack = await LocalStack.create();
    try {
      await stack.start();
      await stack.seed();
    } catch (error) {
      // The caller never gets it to dispose: stop it and remove its state here.
      await stack.dispose();
      throw error;
    }
    return stack;
  }

  /** Starts `wrangler dev` and waits until /health answers. */
  async start(): Promise<void> {
    if (this.child) throw new Error("the stack is already running");
    const vars = this.config === null ? Object.entries(STACK_VARS).flatMap(([k, v]) => ["--var", `${k}:${v}`]) : ["-c", this.config];
    this.output = [];
    // Its own process group, so a kill reaches workerd too (a crash takes the whole runtime).
    const child = spawn(WRANGLER, [
      "dev", "--port", String(this.port), "--ip", "127.0.0.1", "--inspector-port", String(this.inspectorPort),
      "--persist-to", this.persistDir, "--show-interactive-dev-session=false", "--log-level", "warn", ...vars,
    ], { cwd: ROOT, env: { ...process.env, CI: "1", NO_COLOR: "1", WRANGLER_SEND_METRICS: "false" }, detached: true, stdio: ["ignore", "pipe", "pipe"] });
    this.child = child;
    const keep = (chunk: Buffer) => { this.output.push(chunk.toString()); if (this.output.length > 400) this.output.shift(); };
    child.stdout?.on("data", keep);
    child.stderr?.on("data", keep);
    const deadline = Date.now() + 90_000;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`wrangler dev exited (${child.exitCode}):\n${this.log()}`);
      try {
        const res = await fetch(`${this.origin}${this.config === null ? "/health" : "/"}`, { signal: AbortSignal.timeout(2_000) });
        await res.arrayBuffer();
        if (res.status === 200 || res.status === 503) return;
      } catch { /* not up yet */ }
      await sleep(250);
    }
    throw new Error(`the stack did not answer /health within 90 s:\n${this.log()}`);
  }

  /** What wrangler printed lately (for failure messages). */
  log(): string {
    return this.output.join("").slice(-6_000);
  }

  /** Seeds the demo catalog (worker auth). */
  async seed(): Promise<void> {
    const res = await fetch(`${this.origin}/dev/seed`, {
      method: "POST", headers: { Authorization: `Bearer ${STACK_VARS.WORKER_SHARED_SECRET}`, "X-Worker-ID": "stack-test" },
    });
    if (!res.ok) throw new Error(`seeding failed: ${res.status} ${await res.text()}`);
  }

  /** A crash: SIGKILL to the process group (wrangler and workerd), nothing flushed or closed. */
  async kill(): Promise<void> {
    await this.signal("SIGKILL");
  }

  /** A clean stop. */
  async stop(): Promise<void> {
    await this.signal("SIGTERM");
  }

  private async signal(signal: NodeJS.Signals): Promise<void> {
    const child = this.child;
    if (!child?.pid) return;
    this.child = null;
    const exited = new Promise<void>((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once("exit", () => resolve())));
    try { process.kill(-child.pid, signal); } catch { /* gone */ }
    await Promise.race([exited, sleep(10_000)]);
    try { process.kill(-child.pid, "SIGKILL"); } catch { /* gone */ }
    // The port is free again once workerd is gone.
    for (let i = 0; i < 40; i++) {
      try { await fetch(`${this.origin}/`, { signal: AbortSignal.timeout(250) }); } catch { return; }
      await sleep(250);
    }
  }

  /** Stops the stack and deletes its state. */
  async dispose(): Promise<void> {
    await this.stop();
    rmSync(this.persistDir, { recursive: true, force: true });
  }
}
