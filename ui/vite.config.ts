import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

/**
 * The dashboard: built into public/dashboard (the Worker's static assets), served at /dashboard/.
 * `npm run dev:ui` serves it with hot reload on :5173 and sends every API path and WebSocket to
 * the local stack (`npm start`, or STACK_ORIGIN).
 */
const stack = process.env.STACK_ORIGIN ?? "http://127.0.0.1:8787";

export default defineConfig({
  root: import.meta.dirname,
  base: "/dashboard/",
  plugins: [react()],
  build: {
    outDir: "../public/dashboard",
    emptyOutDir: true,
    chunkSizeWarningLimit: 400,
    sourcemap: false,
  },
  server: {
    port: 5173,
    proxy: {
      "^/(?!dashboard/(?!stats)).*": { target: stack, ws: true, changeOrigin: false },
    },
  },
});
