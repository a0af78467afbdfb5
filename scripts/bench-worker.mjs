// Starts and stops the benchmark Worker (bench/wrangler.toml) under wrangler dev: local, offline,
// fresh state in a temporary directory, in its own process group so stopping it stops workerd.
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

/** @param {number} ms */
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * @param {{ port: number, inspectorPort?: number }} options
 * @returns {Promise<{ origin: string, stop: () => void, pid: number, persist: string }>}
 */
export async function startBenchWorker({ port, inspectorPort }) {
  const origin = `http://127.0.0.1:${port}`;
  try { await fetch(`${origin}/`); throw new Error(`port ${port} is in use; stop what runs there or choose another port`); } catch (error) {
    if (error instanceof Error && error.message.startsWith("port")) throw error;
  }
  const persist = mkdtempSync(path.join(tmpdir(), "aif-bench-"));
  const migrate = spawnSync("npx", ["--no-install", "wrangler", "d1", "migrations", "apply", "DB", "--local", "-c", "bench/wrangler.toml", "--persist-to", persist],
    { stdio: ["ignore", "ignore", "inherit"], env: { ...process.env, CI: "1" } });
  if (migrate.status !== 0) throw new Error("migrations failed");
  const args = ["--no-install", "wrangler", "dev", "-c", "bench/wrangler.toml", "--port", String(port), "--ip", "127.0.0.1", "--persist-to", persist, "--log-level", process.env.BENCH_LOG ?? "error"];
  if (inspectorPort) args.push("--inspector-port", String(inspectorPort));
  const child = spawn("npx", args, { stdio: ["ignore", process.env.BENCH_LOG ? "inherit" : "ignore", "inherit"], detached: true });
  const stop = () => {
    // The whole process group: killing npx alone orphans workerd, and a later run would measure the orphan.
    try { if (child.pid) process.kill(-child.pid, "SIGTERM"); } catch { /* already gone */ }
    rmSync(persist, { recursive: true, force: true });
  };
  for (let i = 0; i < 240; i++) {
    // pid: the process group's leader (npx), whose descendants include the workerd serving this bench.
    try { if ((await fetch(`${origin}/health`)).ok) return { origin, stop, pid: child.pid ?? 0, persist }; } catch { /* not yet */ }
    await sleep(500);
  }
  stop();
  throw new Error("bench worker did not start");
}
