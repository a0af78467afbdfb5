#!/usr/bin/env node
// The `aif` command: the CLI is TypeScript (cli/), run through tsx so it shares the server's
// valibot schemas (src/contracts, src/actors/protocol.ts) without a build step.
import { fileURLToPath } from "node:url";
import { register } from "tsx/esm/api";

register({ tsconfig: fileURLToPath(new URL("../tsconfig.cli.json", import.meta.url)) });
try {
  await import("../cli/main.ts");
} catch (error) {
  // The CLI could not even load (a broken install or checkout): say so, without a stack.
  process.stderr.write(`aif: could not start: ${error instanceof Error ? error.message : String(error)}\n`);
  if (process.env.AIF_DEBUG && error instanceof Error) process.stderr.write(`${error.stack}\n`);
  process.exit(1);
}
