// Pages and start-up scripts of the two docs UIs. No inline script: the
// scripts are separate same-origin files, so the CSP needs no 'unsafe-inline'
// for scripts (see http/security-headers.ts DOCS_CSP).

export const SPEC_PATH = '/openapi.json'
export const ASSETS_PREFIX = '/docs/assets'

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
}

/** Both documentation pages: our own assets only, no inline script (the CSP allows none). */
function page(title: string, head: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<link rel="icon" type="image/png" href="${ASSETS_PREFIX}/favicon.png">
${head}
</head>
<body>
${body}
</body>
</html>
`
}

export function swaggerPage(title: string): string {
  return page(
    title,
    `<link rel="stylesheet" href="${ASSETS_PREFIX}/swagger-ui.css">`,
    `<div id="swagger-ui"></div>
<script src="${ASSETS_PREFIX}/swagger-ui-bundle.js"></script>
<script src="${ASSETS_PREFIX}/swagger-init.js"></script>`,
  )
}

export const SWAGGER_INIT = `window.ui = SwaggerUIBundle({
  url: ${JSON.stringify(SPEC_PATH)},
  dom_id: '#swagger-ui',
  deepLinking: true,
  // The access token lives in this page only; nothing is stored in the browser.
  persistAuthorization: false,
  validatorUrl: null,
});
`

export function redocPage(title: string): string {
  return page(
    title,
    '<style>body { margin: 0; padding: 0; }</style>',
    `<div id="redoc"></div>
<script src="${ASSETS_PREFIX}/redoc.standalone.js"></script>
<script src="${ASSETS_PREFIX}/redoc-init.js"></script>`,
  )
}

export const REDOC_INIT = `Redoc.init(${JSON.stringify(SPEC_PATH)}, { hideDownloadButton: false }, document.getElementById('redoc'));
`
