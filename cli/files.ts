/** Writing downloaded and produced files: private temporary file first, checksum, then the name. */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { CliError } from "./errors";

/** The sha256 of bytes, in hex. */
export function sha256Hex(data: Uint8Array | string): string {
  return createHash("sha256").update(data).digest("hex");
}

/** A checksum as the API writes it (`sha256:<hex>` or bare hex), as bare lowercase hex; null for another algorithm. */
export function sha256Of(checksum: string): string | null {
  const match = /^(?:sha256:)?([0-9a-fA-F]{64})$/.exec(checksum.trim());
  return match ? match[1]!.toLowerCase() : null;
}

/** A file name from the server, made safe to write inside a directory (no path, no leading dot). */
export function safeName(name: string, fallback: string): string {
  const base = path.basename(name.replaceAll("\\", "/")).replace(/[^\w.\-]+/g, "_").replace(/^\.+/, "");
  return base.length > 0 ? base : fallback;
}

/** Makes a directory to write into; one that already has files needs `force`. */
export function prepareDir(dir: string, force: boolean): void {
  if (existsSync(dir) && readdirSync(dir).length > 0 && !force) {
    throw new CliError(`${dir} already has files`, "choose another --dir, or add --force to write into it");
  }
  mkdirSync(dir, { recursive: true });
}

/** Writes `data` to `file` only if its sha256 is `expected` (when given): via a temporary file, renamed on success, deleted on mismatch. */
export function writeVerified(file: string, data: Uint8Array | string, expected: string | null): { sha256: string; verified: boolean } {
  const actual = sha256Hex(data);
  const temp = `${file}.aif-partial`;
  writeFileSync(temp, data);
  if (expected !== null && actual !== expected) {
    rmSync(temp, { force: true });
    return { sha256: actual, verified: false };
  }
  renameSync(temp, file);
  return { sha256: actual, verified: expected !== null };
}
