#!/usr/bin/env node
// The `aif` command: the CLI is TypeScript (cli/), run through tsx so it shares the server's
// valibot schemas (src/contracts, src/actors/protocol.ts) without a build step.
import { fileURLToPath } from "node:url";
import { register } from "tsx/esm/api";

register({ tsconfig: fileURLToPath(new URL("../tsconfig.cli.json", import.meta.url)) });
await import("../cli/main.ts");
