/**
 * The path of `request.url`, without query or fragment. Never throws: Bun hands
 * over a bare "/path?query" when the request had no Host header (HTTP/1.0), and
 * a URL that `new URL()` rejects when the Host header is malformed ("[::1").
 */
export function requestPath(url: string): string {
  const scheme = url.indexOf('://')
  const start = url.startsWith('/') ? 0 : scheme === -1 ? -1 : url.indexOf('/', scheme + 3)
  if (start === -1) return '/'
  let end = url.length
  for (const mark of ['?', '#']) {
    const at = url.indexOf(mark, start)
    if (at !== -1 && at < end) end = at
  }
  return url.slice(start, end)
}
