// The API reference: Swagger UI rendering this origin's /openapi.json. Nothing is fetched from
// anywhere else: no online validator, no configuration from the page's query string, no
// standalone preset (its top bar loads any URL typed into it). "Try it out" sends requests to
// the servers the document names (this origin), with the key or token given under "Authorize";
// the key is kept for this page only (not stored).
/* global SwaggerUIBundle */
window.ui = SwaggerUIBundle({
  url: "/openapi.json",
  dom_id: "#swagger-ui",
  presets: [SwaggerUIBundle.presets.apis],
  layout: "BaseLayout",
  // Defaults to validator.swagger.io, which would be sent the document.
  validatorUrl: null,
  // ?url= and ?configUrl= in the address would load another document (off by default in 5.x; kept off).
  queryConfigEnabled: false,
  deepLinking: true,
  filter: true,
  docExpansion: "list",
  defaultModelsExpandDepth: 0,
  displayRequestDuration: true,
  persistAuthorization: false,
});
