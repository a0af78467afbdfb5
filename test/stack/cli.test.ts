/**
 * The `aif` CLI (issue 14) as its users run it: the real `node bin/aif.mjs` spawned against the
 * real local stack (`wrangler dev`), its exit status, stdout and stderr read as a person or a
 * script would. The terminal view is captured under a pseudo-terminal (util-linux `script`) and
 * replayed through a small terminal model to see every redrawn frame. A TCP proxy cuts the live
 * connection mid-run (the CLI must resume from its last sequence number) and an HTTP proxy
 * alters a download (the CLI must refuse it). The pure parts (parameters, the line renderer,
 * plain lines, exit statuses) are checked directly.
 */
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import http from "node:http";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import pc from "picocolors";
import { DemoClients, DemoStaff } from "../../src/seed/demo-data";
import { applyMessages, emptyRun } from "../../ui/src/views/pipeline/run-state";
import type { PipelineSummary } from "../../src/actors/pipeline/protocol";
import { parseParams } from "../../cli/params";
import { renderRun } from "../../cli/live/render";
import { plainLine } from "../../cli/live/plain";
import { exitCodeFor } from "../../cli/live/summary";
import { backoff, LiveSocket } from "../../cli/live/socket";
import { Api } from "../../cli/http";
import { WebSocketServer } from "ws";
import { LocalStack } from "./local-stack";

const ROOT = path.join(import.meta.dirname, "..", "..");
const BIN = path.join(ROOT, "bin", "aif.mjs");
const premium = DemoClients.find((c) => c.tier === "premium")!;
const admin = DemoStaff.find((s) => s.role === "admin")!;
const KEY = premium.api_key.key;
/** A well-formed key the server does not know (the real key's prefix, another secret). */
const WRONG_KEY = `${KEY.slice(0, 15)}${"x".repeat(KEY.length - 15)}`;
/** What no user should ever see: a stack frame. */
const STACK_TRACE = /\n\s+at [\w$.<>]+ \(|file:\/\/|\.ts:\d+:\d+/;

let stack: LocalStack;
let work: string;

interface Ran { code: number | null; stdout: string; stderr: string; ms: number }

/** Runs `aif` with the stack's URL (and the environment given); its exit status and output. */
interface RunOptions {
  env?: Record<string, string>;
  input?: string;
  url?: string;
  timeoutMs?: number;
  /** Kept up to date with what the command has printed so far. */
  live?: { stdout: string };
}

function aif(args: string[], options: RunOptions = {}): Promise<Ran> {
  return run(process.execPath, [BIN, ...args], options);
}

function run(command: string, args: string[], options: RunOptions = {}): Promise<Ran> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: work,
      env: {
        PATH: process.env.PATH ?? "", HOME: work, XDG_CONFIG_HOME: path.join(work, "xdg-none"),
        AIF_URL: options.url ?? stack.origin, ...options.env,
      },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => {
      stdout += d;
      if (options.live) options.live.stdout = stdout;
    });
    child.stderr.on("data", (d: Buffer) => (stderr += d));
    const timer = setTimeout(() => { child.kill("SIGKILL"); reject(new Error(`aif ${args.join(" ")} ran over ${options.timeoutMs ?? 60_000} ms\n${stdout}\n${stderr}`)); }, options.timeoutMs ?? 60_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      const ran = { code, stdout, stderr, ms: Date.now() - started };
      expect(stdout + stderr, "aif showed a stack trace").not.toMatch(STACK_TRACE);
      resolve(ran);
    });
    child.stdin.end(options.input ?? "");
  });
}

/** A short scripted run's arguments: five steps, `analyse` costing 2,500 micro-USD. */
function demoRun(...extra: string[]): string[] {
  return ["--api-key", KEY, "run", "runtime_demo", "--topic", "command line", "-p", "scripts.analyse.cost_micros=2500", "-p", "scripts.analyse.delay_ms=150", ...extra];
}

/** Starts a run (detached) and returns its id. */
async function startDetached(...extra: string[]): Promise<string> {
  const started = await aif([...demoRun(...extra), "--detach", "-o", "json"]);
  expect(started.code, started.stderr).toBe(0);
  return JSON.parse(started.stdout).pipeline.id as string;
}

const sha256 = (data: Buffer | string) => createHash("sha256").update(data).digest("hex");

beforeAll(async () => {
  work = mkdtempSync(path.join(tmpdir(), "aif-cli-"));
  stack = await LocalStack.seeded();
}, 180_000);

afterAll(async () => {
  await stack?.dispose();
  if (work) rmSync(work, { recursive: true, force: true });
}, 60_000);

describe("aif run and follow", () => {
  let finishedId = "";

  it("run watches a pipeline to its end, exits 0 and prints the final cost", async () => {
    const ran = await aif(demoRun());
    expect(ran.code, ran.stderr).toBe(0);
    // Not a terminal: plain lines on each change of state, then the summary.
    for (const step of ["collect", "analyse", "enrich", "compose", "deliver"]) expect(ran.stdout).toMatch(new RegExp(`\\d\\d:\\d\\d:\\d\\d ${step} succeeded`));
    expect(ran.stdout).toMatch(/pipeline completed/);
    const final = ran.stdout.trim().split("\n").find((l) => l.startsWith("✔"));
    expect(final, ran.stdout).toMatch(/^✔ (pip_\S+) completed in [\d.]+m?s · cost \$0\.0025 of estimate \$/);
    finishedId = /^✔ (pip_\S+)/.exec(final!)![1]!;
    expect(ran.stdout).toContain(`aif result ${finishedId}`);
    // No colour, no redraw off a terminal.
    expect(ran.stdout).not.toMatch(/\x1b\[/);
  }, 60_000);

  it("follow of a run that has ended prints its summary and returns at once", async () => {
    const ran = await aif(["--api-key", KEY, "follow", finishedId]);
    expect(ran.code, ran.stderr).toBe(0);
    expect(ran.stdout).toMatch(new RegExp(`✔ ${finishedId} completed in .* · cost \\$0\\.0025`));
    expect(ran.ms).toBeLessThan(8_000);
  }, 30_000);

  it("a failed run exits 1 and says which step failed and why", async () => {
    const ran = await aif(demoRun("-p", "scripts.enrich.mode=fail"));
    expect(ran.code, ran.stdout).toBe(1);
    expect(ran.stdout).toMatch(/✖ pip_\S+ failed/);
    expect(ran.stdout).toMatch(/enrich failed after 1 attempt: \S+: /);
  }, 60_000);

  it("-o json prints one document and -o jsonl every live event once, in order", async () => {
    const json = await aif(["--api-key", KEY, "-o", "json", "follow", finishedId]);
    expect(json.code, json.stderr).toBe(0);
    const summary = JSON.parse(json.stdout) as PipelineSummary;
    expect(summary.pipeline_id).toBe(finishedId);
    expect(summary.status).toBe("completed");
    expect(summary.cost_micros).toBe(2_500);
    expect(summary.steps.map((s) => s.status)).toEqual(Array(5).fill("succeeded"));

    const [jsonl, list, rows] = await Promise.all([
      aif([...demoRun(), "-o", "jsonl"]),
      aif(["--api-key", KEY, "-o", "json", "templates", "list"]),
      // Two runs have ended before this test (the run above and the failed one); the one started beside this list may not be in the history yet.
      aif(["--api-key", KEY, "-o", "jsonl", "pipelines", "list", "--limit", "2"]),
    ]);
    expect(jsonl.code, jsonl.stderr).toBe(0);
    const messages = jsonl.stdout.trim().split("\n").map((line) => JSON.parse(line) as { seq: number; type: string; payload: Record<string, unknown> });
    const events = messages.filter((m) => m.type !== "snapshot");
    expect(events.map((m) => m.seq)).toEqual(events.map((_, i) => i + 1));
    expect(events[0]!.type).toBe("pipeline_created");
    expect(events.at(-1)!.type).toBe("pipeline_finished");
    expect(events.at(-1)!.payload.status).toBe("completed");

    expect(JSON.parse(list.stdout).templates.map((t: { template_name: string }) => t.template_name)).toContain("runtime_demo");
    const lines = rows.stdout.trim().split("\n").map((l) => JSON.parse(l) as { pipeline_id: string });
    expect(lines).toHaveLength(2);
    expect(lines.every((l) => l.pipeline_id.startsWith("pip_"))).toBe(true);
  }, 60_000);

  it("a refused key is reported once, naming the refusal, and exits 1 within seconds (HTTP and the live socket)", async () => {
    const follow = await aif(["--api-key", WRONG_KEY, "follow", finishedId], { timeoutMs: 15_000 });
    expect(follow.code).toBe(1);
    expect(follow.ms).toBeLessThan(5_000);
    expect(follow.stderr).toMatch(/^aif: 401 unauthorized: .+\nrefused: the API key from --api-key \(aif_demoprem00_…\)/);
    expect(follow.stderr.match(/401/g)).toHaveLength(1);
    expect(follow.stdout).toBe("");

    // The rest at once (no timing asserted).
    const [start, missing, invalid, client] = await Promise.all([
      aif(["--api-key", WRONG_KEY, "run", "runtime_demo", "--topic", "never starts"], { timeoutMs: 15_000 }),
      aif(["--api-key", KEY, "follow", "pip_doesnotexist0000"]),
      aif(["--api-key", KEY, "requests", "create", "-m", "hi", "--type", "nope"]),
      aif(["--api-key", KEY, "pipelines", "cancel", finishedId]),
    ]);
    expect(start.code).toBe(1);
    expect(start.stderr).toMatch(/401 unauthorized/);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/404 not_found: pipeline 'pip_doesnotexist0000' was not found/);
    expect(invalid.code).toBe(1);
    // The first problem in the message, each further one on its own line.
    expect(invalid.stderr).toMatch(/^aif: 422 validation_failed: body\.request_type: must be one of .*\n {2}body\.message: must be at least 3 characters\n$/);
    expect(client.code).toBe(1);
    expect(client.stderr).toMatch(/403 forbidden: .*\nrefused: the API key from --api-key/);
  }, 60_000);

  it("a dropped connection resumes after the last sequence number seen: every event once", async () => {
    // A TCP proxy in front of the stack that records each WebSocket request line and can cut every connection.
    const requests: string[] = [];
    const sockets = new Set<net.Socket>();
    const proxy = net.createServer((client) => {
      const upstream = net.connect(stack.port, "127.0.0.1");
      sockets.add(client).add(upstream);
      client.once("data", (chunk: Buffer) => {
        const line = chunk.toString("latin1").split("\r\n")[0]!;
        if (line.includes("/parties/")) requests.push(line);
        upstream.write(chunk);
        client.pipe(upstream);
      });
      upstream.pipe(client);
      const drop = () => { client.destroy(); upstream.destroy(); sockets.delete(client); sockets.delete(upstream); };
      client.on("error", drop).on("close", drop);
      upstream.on("error", drop).on("close", drop);
    });
    await new Promise<void>((r) => proxy.listen(0, "127.0.0.1", r));
    const url = `http://127.0.0.1:${(proxy.address() as net.AddressInfo).port}`;
    try {
      const id = await startDetached("-p", "scripts.analyse.delay_ms=5000");
      const live = { stdout: "" };
      const following = aif(["--api-key", KEY, "-o", "jsonl", "follow", id], { url, timeoutMs: 60_000, live });
      // Cut while `analyse` runs (no events then), once the CLI has its first connection's events.
      await new Promise((r) => setTimeout(r, 2_500));
      expect(requests.length).toBe(1);
      const printedBeforeCut = live.stdout.trim().split("\n").map((l) => (JSON.parse(l) as { seq: number }).seq);
      for (const s of sockets) s.destroy();
      const ran = await following;
      expect(ran.code, ran.stderr).toBe(0);
      expect(ran.stderr).toMatch(/connection lost .*; reconnecting in/);
      const messages = ran.stdout.trim().split("\n").map((l) => JSON.parse(l) as { seq: number; type: string });
      const events = messages.filter((m) => m.type !== "snapshot");
      expect(events.map((m) => m.seq)).toEqual(events.map((_, i) => i + 1));
      expect(events.at(-1)!.type).toBe("pipeline_finished");
      // The first connection asked for everything; the second resumed after the last event seen before the cut.
      expect(requests[0]).toMatch(/\?since=0&snapshot=1 /);
      expect(requests[1]).toMatch(new RegExp(`\\?since=${Math.max(...printedBeforeCut)}&snapshot=1 `));
    } finally {
      await new Promise((r) => proxy.close(r));
    }
  }, 60_000);
});

/**
 * A small terminal: enough of the escape sequences log-update writes (cursor up and down, to
 * column, erase line, synchronized output) to see the screen after each redraw.
 */
class Terminal {
  lines: string[] = [""];
  row = 0;
  col = 0;
  frames: string[][] = [];

  feed(text: string): void {
    let i = 0;
    while (i < text.length) {
      const ch = text[i]!;
      if (ch === "\x1b") {
        const m = /^\x1b\[([?\d;]*)([A-Za-z])/.exec(text.slice(i, i + 24));
        if (!m) { i++; continue; }
        this.csi(m[1]!, m[2]!);
        i += m[0].length;
        continue;
      }
      if (ch === "\r") this.col = 0;
      else if (ch === "\n") { this.row++; this.col = 0; }
      else {
        while (this.lines.length <= this.row) this.lines.push("");
        const line = this.lines[this.row]!.padEnd(this.col);
        this.lines[this.row] = line.slice(0, this.col) + ch + line.slice(this.col + 1);
        this.col++;
      }
      i++;
    }
  }

  private csi(params: string, op: string): void {
    const n = Number(params.replace("?", "")) || 1;
    while (this.lines.length <= this.row) this.lines.push("");
    switch (op) {
      case "A": this.row = Math.max(0, this.row - n); break;
      case "B": this.row += n; break;
      case "G": this.col = Math.max(0, (Number(params) || 1) - 1); break;
      case "K": this.lines[this.row] = params === "2" ? "" : this.lines[this.row]!.slice(0, this.col); break;
      case "l": if (params === "?2026") this.frames.push(this.lines.slice()); break;
      default: break; // colours (m), cursor visibility and synchronized output start (h)
    }
  }
}

describe("aif on a terminal", () => {
  it("redraws one line per step in place until every step reaches its final state", async () => {
    expect(existsSync("/usr/bin/script"), "util-linux script(1) gives the CLI a pseudo-terminal").toBe(true);
    const quoted = [process.execPath, BIN, ...demoRun("-p", "scripts.collect.mode=fail_times", "-p", "scripts.collect.times=1", "-p", "scripts.analyse.delay_ms=1200")]
      .map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(" ");
    const ran = await run("/usr/bin/script", ["-qfec", quoted, "/dev/null"], { env: { TERM: "xterm-256color" } });
    expect(ran.code, ran.stdout).toBe(0);
    // Colour and redraw on a terminal.
    expect(ran.stdout).toMatch(/\x1b\[32m/);
    const term = new Terminal();
    term.feed(ran.stdout);
    expect(term.frames.length).toBeGreaterThan(3);
    const stepLine = (frame: string[], step: string) => frame.find((l) => new RegExp(`^  \\S ${step} `).test(l)) ?? "";
    const states = (step: string) => term.frames.map((f) => /^ {2}\S \S+\s+(\S+(?: \S+)?)\s{2}/.exec(stepLine(f, step))?.[1] ?? "");
    // Seen waiting and running while the view was redrawn, then every step succeeded.
    expect(states("analyse")).toContain("running");
    expect(states("deliver")).toContain("pending");
    const last = term.frames.at(-1)!;
    for (const step of ["collect", "analyse", "enrich", "compose", "deliver"]) {
      expect(stepLine(last, step), last.join("\n")).toMatch(new RegExp(`^  ✔ ${step}\\s+succeeded\\s+#\\d\\s+█{12}`));
    }
    expect(stepLine(last, "collect")).toMatch(/#2/);
    expect(last.find((l) => l.startsWith("cost "))).toMatch(/^cost \$0\.0025 of estimate \$/);
    // Nothing left over from earlier frames, and the summary under the last one.
    const screen = term.lines.filter((l) => l.trim() !== "");
    expect(screen.filter((l) => /^ {2}\S (collect|analyse|enrich|compose|deliver) /.test(l))).toHaveLength(5);
    expect(screen.join("\n")).toMatch(/✔ pip_\S+ completed in [\d.]+m?s\n {2}result: +aif result pip_/);
  }, 60_000);
});

describe("aif deliverables and result", () => {
  let reportId = "";

  beforeAll(async () => {
    const ran = await aif(["--api-key", KEY, "run", "research_report", "--topic", "energy storage", "--detach", "-o", "json"]);
    expect(ran.code, ran.stderr).toBe(0);
    reportId = JSON.parse(ran.stdout).pipeline.id;
    const followed = await aif(["--api-key", KEY, "follow", reportId]);
    expect(followed.code, followed.stdout + followed.stderr).toBe(0);
    expect(followed.stdout).toContain(`deliverables:  3 (aif deliverables list --pipeline ${reportId})`);
  }, 90_000);

  it("download verifies each file's sha256 against the deliverable's checksum and says so", async () => {
    const list = await aif(["--api-key", KEY, "-o", "json", "deliverables", "list", "--pipeline", reportId]);
    const listed = JSON.parse(list.stdout).deliverables as { id: string; name: string; checksum: string }[];
    expect(listed).toHaveLength(3);
    const dir = path.join(work, "downloads");
    const ran = await aif(["--api-key", KEY, "deliverables", "download", "--pipeline", reportId, "-d", dir]);
    expect(ran.code, ran.stderr).toBe(0);
    for (const d of listed) {
      expect(ran.stdout).toMatch(new RegExp(`✔ .*${d.name.replaceAll(".", "\\.")} .* sha256 [0-9a-f]{12}… verified`));
      expect(`sha256:${sha256(readFileSync(path.join(dir, d.name)))}`).toBe(d.checksum);
    }
    // An existing file is not overwritten without --force.
    const again = await aif(["--api-key", KEY, "deliverables", "download", listed[0]!.id, "-d", dir]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/exists\nadd --force/);
  }, 60_000);

  it("a download altered on the way is refused: deleted, named, exit 1", async () => {
    // An HTTP proxy that passes everything through but flips one byte of every download (and
    // keeps the signed links, which the server makes absolute, pointing at itself).
    let proxyOrigin = "";
    const proxy = http.createServer(async (req, res) => {
      const upstream = await fetch(`${stack.origin}${req.url}`, { method: req.method, headers: Object.fromEntries(Object.entries(req.headers).filter(([k]) => k !== "host")) as Record<string, string> });
      let body = Buffer.from(await upstream.arrayBuffer());
      if (/^\/deliverables\/[^/]+\/download/.test(req.url ?? "") && body.length > 0) {
        body[0] = body[0]! ^ 0x01;
      } else if (upstream.headers.get("content-type")?.includes("json")) {
        body = Buffer.from(body.toString("utf8").replaceAll(stack.origin, proxyOrigin));
      }
      res.writeHead(upstream.status, { "content-type": upstream.headers.get("content-type") ?? "application/octet-stream" });
      res.end(body);
    });
    await new Promise<void>((r) => proxy.listen(0, "127.0.0.1", r));
    try {
      proxyOrigin = `http://127.0.0.1:${(proxy.address() as net.AddressInfo).port}`;
      const dir = path.join(work, "tampered");
      const ran = await aif(["--api-key", KEY, "deliverables", "download", "--pipeline", reportId, "-d", dir], { url: proxyOrigin });
      expect(ran.code).toBe(1);
      expect(ran.stdout).toMatch(/✖ .* checksum MISMATCH: deleted/);
      expect(ran.stderr).toMatch(/^aif: checksum mismatch, files deleted:\n {2}.*expected sha256 [0-9a-f]{16}… and \d+ bytes, got [0-9a-f]{16}…/);
      expect(readdirSync(dir)).toEqual([]);
    } finally {
      await new Promise((r) => proxy.close(r));
    }
  }, 60_000);

  it("result writes the report and result.json to a directory", async () => {
    const dir = path.join(work, "result");
    const ran = await aif(["--api-key", KEY, "result", reportId, "-d", dir]);
    expect(ran.code, ran.stderr).toBe(0);
    expect(readdirSync(dir).sort()).toEqual(["report.html", "report.md", "result.json"]);
    expect(readFileSync(path.join(dir, "report.md"), "utf8")).toMatch(/^# .*energy storage/i);
    expect(JSON.parse(readFileSync(path.join(dir, "result.json"), "utf8")).pipeline_id).toBe(reportId);
  }, 30_000);
});

describe("aif login, whoami, logout", () => {
  it("login saves the session in a file only the user can read; whoami reads it; logout ends it", async () => {
    const xdg = mkdtempSync(path.join(work, "xdg-"));
    const env = { XDG_CONFIG_HOME: xdg };
    const login = await aif(["login", "--email", admin.email, "--password-stdin"], { env, input: `${admin.password}\n` });
    expect(login.code, login.stderr).toBe(0);
    expect(login.stdout).toMatch(/^Signed in to http:\/\/127\.0\.0\.1:\d+ as admin@ai-factory\.local \(admin\)\./);
    const file = path.join(xdg, "aif", "sessions.json");
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(path.dirname(file)).mode & 0o777).toBe(0o700);
    expect(readFileSync(file, "utf8")).toContain(stack.origin);

    const who = await aif(["whoami"], { env });
    expect(who.code, who.stderr).toBe(0);
    expect(who.stdout).toMatch(/signed in as\s+admin@ai-factory\.local/);
    expect(who.stdout).toMatch(/role\s+admin/);

    // The saved session works for staff commands; a wrong password saves nothing.
    const [pools, wrong] = await Promise.all([
      aif(["-o", "json", "pools", "list"], { env }),
      aif(["login", "--email", admin.email, "--password-stdin"], { env: { XDG_CONFIG_HOME: path.join(work, "xdg-wrong") }, input: "not-the-password\n" }),
    ]);
    expect(pools.code, pools.stderr).toBe(0);
    expect(JSON.parse(pools.stdout).pools.map((p: { worker: string }) => p.worker)).toContain("scripted");
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/401 unauthorized: email or password is incorrect/);
    expect(existsSync(path.join(work, "xdg-wrong", "aif", "sessions.json"))).toBe(false);

    const logout = await aif(["logout"], { env });
    expect(logout.code, logout.stderr).toBe(0);
    expect(existsSync(file)).toBe(false);
    const after = await aif(["whoami"], { env });
    expect(after.code).toBe(1);
    expect(after.stderr).toMatch(/not signed in to .*\nsign in with 'aif login'/);
  }, 60_000);
});

describe("the CLI's pure parts", () => {
  it("parses --param name=value: JSON values, text otherwise, dotted names nest", () => {
    expect(parseParams(["max_articles=20", "deep=true", "tone=plain words", 'code="007"', "tags=[\"a\",\"b\"]", "scripts.collect.mode=fail_times", "scripts.collect.times=2"])).toEqual({
      max_articles: 20, deep: true, tone: "plain words", code: "007", tags: ["a", "b"], scripts: { collect: { mode: "fail_times", times: 2 } },
    });
    expect(() => parseParams(["novalue"])).toThrow(/is not name=value/);
    expect(() => parseParams(["a=1", "a.b=2"])).toThrow(/'a' is already set/);
    expect(() => parseParams(["x={broken"])).toThrow(/not valid JSON/);
    // Names that would reach the prototype are refused, and nothing leaks onto Object.prototype.
    expect(() => parseParams(["__proto__.polluted=1"])).toThrow(/'__proto__' is not a parameter name/);
    expect(() => parseParams(["constructor.prototype.polluted=1"])).toThrow(/is not a parameter name/);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("gives up on a live link that sends its snapshot and drops, again and again (no new event is no progress)", async () => {
    const server = new WebSocketServer({ port: 0, host: "127.0.0.1" });
    let connections = 0;
    server.on("connection", (ws) => {
      connections++;
      ws.send(JSON.stringify({ seq: 3, type: "snapshot", at: Date.now(), payload: {} }));
      setTimeout(() => ws.close(), 20);
    });
    await new Promise((resolve) => server.once("listening", resolve));
    const { port } = server.address() as { port: number };
    let lastSeq = 3;
    const socket = new LiveSocket({
      api: new Api(`http://127.0.0.1:${port}`, { kind: "none" }), path: "/parties/pipeline-actor/pip_flap", since: () => lastSeq, snapshot: true,
      onFrame: (frame) => { lastSeq = Math.max(lastSeq, (frame as { seq: number }).seq); }, maxRetries: 2,
    });
    try {
      await expect(socket.run()).rejects.toThrow(/could not get it back after 2 tries in a row/);
      expect(connections).toBe(3);
    } finally {
      server.close();
    }
  });

  it("renders a run's state as one line per step, with progress, queue and cost", () => {
    const step = (id: string, status: PipelineSummary["steps"][number]["status"], extra: Partial<PipelineSummary["steps"][number]> = {}) => ({
      id, status, attempt: 1, worker: "scripted", depends_on: [], estimate_micros: 1_000, queued: null, cost_micros: 0, error: null,
      skipped_reason: null, output_ref: null, started_at: null, finished_at: null, retry_at: null, ...extra,
    });
    const now = 1_000_000;
    const summary: PipelineSummary = {
      pipeline_id: "pip_render", template: "runtime_demo", client_id: "c", status: "running", reason: null, notes: [], cost_micros: 1_500,
      bytes_through_actor: 0, payload_bytes: 0, created_at: now - 5_000, started_at: now - 4_000, finished_at: null,
      steps: [
        step("collect", "succeeded", { started_at: now - 4_000, finished_at: now - 2_800, cost_micros: 1_500 }),
        step("analyse", "running", { started_at: now - 2_000 }),
        step("enrich", "waiting_capacity", { queued: { position: 3, etaMs: 12_000, at: now } }),
        step("compose", "pending", { attempt: 0, depends_on: ["analyse", "enrich"] }),
      ],
    };
    const state = applyMessages(applyMessages(emptyRun, [{ seq: 0, type: "snapshot", at: now, payload: summary }]),
      [{ seq: 1, type: "step_progress", at: now, payload: { step_id: "analyse", attempt: 1, worker: "scripted", done: 3, total: 6, message: "reading" } }]);
    const lines = renderRun(state, { now, c: pc.createColors(false), width: 120, baseline: { kind: "steps", micros: 4_000 } });
    expect(lines).toEqual([
      "pip_render · runtime_demo · running · 4.0s",
      "  ✔ collect  succeeded       #1  ████████████    1.2s  $0.0015",
      "  ● analyse  running         #1  ██████░░░░░░ 3/6  reading  2.0s",
      "  ◷ enrich   queued          #1  queue #3 · starts ~12.0s",
      "  · compose  pending             after analyse, enrich",
      "cost $0.0015 of the steps' estimate $0.0040",
    ]);
    expect(plainLine({ seq: 9, type: "step_failed", at: now, payload: { step_id: "enrich", attempt: 2, worker: "scripted", error: { code: "boom", message: "it broke" } } }, state))
      .toMatch(/^\d\d:\d\d:\d\d enrich failed: boom: it broke$/);
    expect(plainLine({ seq: 10, type: "step_progress", at: now, payload: { step_id: "analyse", attempt: 1, worker: "scripted", done: 4, total: 6 } }, state)).toBeNull();
  });

  it("gives each ending its exit status, and backs off reconnections up to 8 s", () => {
    expect([exitCodeFor("completed"), exitCodeFor("partial"), exitCodeFor("failed"), exitCodeFor("cancelled")]).toEqual([0, 2, 1, 1]);
    expect(backoff(1, () => 1)).toBe(500);
    expect(backoff(3, () => 1)).toBe(2_000);
    expect(backoff(10, () => 1)).toBe(8_000);
    expect(backoff(10, () => 0)).toBe(4_000);
  });
});
