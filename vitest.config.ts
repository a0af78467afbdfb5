import path from "node:path";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";

/**
 * Two projects:
 * - `workers`: every suite under test/ (but test/stack/) runs inside workerd with the bindings
 *   from wrangler.toml. D1 migrations are read here (in Node) and applied by
 *   test/setup/apply-migrations.ts (inside workerd).
 * - `stack`: test/stack/ runs in Node against the real local stack (`wrangler dev` on a persist
 *   directory of its own): what only the whole runtime shows, such as a kill -9 and a restart.
 */
export default defineConfig(async () => {
  const migrations = await readD1Migrations(path.join(import.meta.dirname, "migrations"));
  return {
    test: {
      projects: [
        {
          plugins: [
            cloudflareTest({
              wrangler: { configPath: "./wrangler.toml" },
              miniflare: {
                bindings: {
                  ENVIRONMENT: "test",
                  WORKER_SHARED_SECRET: "test-worker-shared-secret-0123456789abcdef",
                  URL_SIGNING_KEY: "test-url-signing-key-0123456789abcdef",
                  OPENAI_API_KEY: "",
                  TEST_MIGRATIONS: migrations,
                },
              },
            }),
          ],
          test: {
            name: "workers",
            // A local stand-in for the outside world (OpenAI-compatible API, feeds, an external worker).
            globalSetup: ["./test/node/stub-server.ts"],
            setupFiles: ["./test/setup/apply-migrations.ts"],
            include: ["test/**/*.test.ts"],
            exclude: ["test/stack/**"],
            // CommonJS packages whose require() of dual (ESM + CJS) packages workerd's module shim
            // cannot follow: pre-bundled with esbuild, as wrangler bundles them for deployment.
            deps: { optimizer: { ssr: { enabled: true, include: ["@rowanmanning/feed-parser"] } } },
          },
        },
        {
          test: {
            name: "stack",
            environment: "node",
            include: ["test/stack/**/*.test.ts"],
            // One stack at a time: each test file starts its own wrangler dev.
            fileParallelism: false,
            testTimeout: 300_000,
            hookTimeout: 180_000,
          },
        },
      ],
    },
  };
});
