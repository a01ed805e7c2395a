// The docs UIs are embedded in the executable (`with { type: 'file' }` makes
// `bun build --compile` bundle the file and gives its path), so /docs and
// /redoc work on a machine with no internet access.
import swaggerBundle from 'swagger-ui-dist/swagger-ui-bundle.js' with { type: 'file' }
import swaggerCss from 'swagger-ui-dist/swagger-ui.css' with { type: 'file' }
import swaggerFavicon from 'swagger-ui-dist/favicon-32x32.png' with { type: 'file' }
import redocBundle from 'redoc/bundles/redoc.standalone.js' with { type: 'file' }

export interface DocsAsset {
  /** Path under /docs/assets/. */
  name: string
  file: string
  type: string
}

export const DOCS_ASSETS: DocsAsset[] = [
  { name: 'swagger-ui-bundle.js', file: swaggerBundle, type: 'text/javascript; charset=utf-8' },
  { name: 'swagger-ui.css', file: swaggerCss, type: 'text/css; charset=utf-8' },
  { name: 'favicon.png', file: swaggerFavicon, type: 'image/png' },
  { name: 'redoc.standalone.js', file: redocBundle, type: 'text/javascript; charset=utf-8' },
]
