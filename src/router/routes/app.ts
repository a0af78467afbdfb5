import * as v from "valibot";
import { AppError } from "../../lib/errors";
import { rawResponse, route, type Route } from "../define";

/**
 * The dashboard's own paths (`/dashboard/requests/…`): the single-page app's index.html, so a
 * deep link or a reload opens the view it names. Files the assets hold (the bundle, images) are
 * served before the Worker runs; API paths under /dashboard (`/dashboard/stats`) are routed first.
 */
export const appRoutes: Route[] = [
  route({
    method: "GET", path: "/dashboard/*", access: "public",
    // The app reads its own query (filters, ?template=); the Worker only serves the page.
    query: v.record(v.string(), v.union([v.string(), v.array(v.string())])),
    summary: "The dashboard (a single-page app): any path under /dashboard/ that is not a file answers its index.html.",
    response: rawResponse("text/html", "The dashboard's index.html."),
    handler: async ({ env, request }) => {
      const index = await env.ASSETS.fetch(new URL("/dashboard/index.html", request.url));
      if (!index.ok) throw new AppError("not_found", "the dashboard is not built: run `npm run build:ui` (npm start does)");
      return new Response(index.body, {
        status: 200,
        headers: { "Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-cache", ...SECURITY_HEADERS },
      });
    },
  }),
];

/** The page may load only its own scripts, styles and connections, and may not be framed (as public/_headers says for the files). */
const SECURITY_HEADERS = {
  "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; frame-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  "X-Content-Type-Options": "nosniff",
  "Referrer-Policy": "no-referrer",
};
