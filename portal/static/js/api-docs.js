// Renders /api/v1/openapi.json with the vendored Swagger UI (no inline script: the CSP is strict).
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  const root = document.getElementById("api-docs");
  window.SwaggerUIBundle({ url: root.dataset.specUrl, domNode: root, deepLinking: true });
});
