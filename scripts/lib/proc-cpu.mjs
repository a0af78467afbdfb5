// CPU time of processes as the operating system counts it (Linux /proc): user + system time of
// every thread, in clock ticks, converted to milliseconds. Used by the bench to measure the CPU a
// workerd process spends, from outside, whatever runs inside it.
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";

/** Clock ticks per second (`getconf CLK_TCK`; 100 on nearly every Linux). */
export const CLK_TCK = (() => {
  try { return Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100; } catch { return 100; }
})();

/** The fields of /proc/<pid>/stat after the command name (which may hold spaces and parentheses). @param {string} path */
function statFields(path) {
  const text = readFileSync(path, "utf8");
  return text.slice(text.lastIndexOf(")") + 2).split(" ");
}

/** Parent pid of a process, or null when it is gone. @param {number} pid */
function parentOf(pid) {
  try { return Number(statFields(`/proc/${pid}/stat`)[1]); } catch { return null; }
}

/** Every live descendant of `root` (children, grandchildren, …). @param {number} root @returns {number[]} */
export function descendants(root) {
  /** @type {Map<number, number[]>} */
  const children = new Map();
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    const ppid = parentOf(Number(name));
    if (ppid === null) continue;
    const list = children.get(ppid) ?? [];
    list.push(Number(name));
    children.set(ppid, list);
  }
  const out = [];
  const queue = [root];
  while (queue.length > 0) {
    const pid = /** @type {number} */ (queue.shift());
    for (const c of children.get(pid) ?? []) { out.push(c); queue.push(c); }
  }
  return out;
}

/** The command line of a process ("" when gone). @param {number} pid */
export function commandLine(pid) {
  try { return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" ").trim(); } catch { return ""; }
}

/**
 * The workerd processes started under `root` (and only those: other people's wrangler or
 * workerd processes on the machine are not descendants of it).
 * @param {number} root
 */
export function workerdPids(root) {
  // The executable, or the script a runner starts, is workerd (its first two words name it).
  return descendants(root).filter((pid) => /\bworkerd\b/.test(commandLine(pid).split(" ").slice(0, 2).join(" ")));
}

/**
 * CPU time used so far by the processes (user + system, all threads: the process's own counters
 * include its threads, live and exited), in ms.
 * @param {number[]} pids
 */
export function cpuMs(pids) {
  let ticks = 0;
  for (const pid of pids) {
    try {
      const f = statFields(`/proc/${pid}/stat`);
      // After the name: state(0) ppid(1) … utime(11) stime(12).
      ticks += Number(f[11]) + Number(f[12]);
    } catch { /* gone */ }
  }
  return (ticks * 1000) / CLK_TCK;
}
