import type { D1Migration } from "@cloudflare/vitest-pool-workers";

declare global {
  namespace Cloudflare {
    interface Env {
      /** Read by vitest.config.ts from migrations/, applied by test/setup/apply-migrations.ts. */
      TEST_MIGRATIONS: D1Migration[];
    }
  }
}

declare module "vitest" {
  /** From test/node/stub-server.ts (globalSetup): the local stand-in for the outside world. */
  export interface ProvidedContext { stubOrigin: string }
}
