// `import x from '...' with { type: 'file' }` yields the file's path (see assets.ts).
declare module 'swagger-ui-dist/swagger-ui-bundle.js' {
  const path: string
  export default path
}
declare module 'swagger-ui-dist/swagger-ui.css' {
  const path: string
  export default path
}
declare module 'swagger-ui-dist/favicon-32x32.png' {
  const path: string
  export default path
}
declare module 'redoc/bundles/redoc.standalone.js' {
  const path: string
  export default path
}
