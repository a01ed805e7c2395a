/** What 405 answers read of Elysia's public route table (`app.routes`). */
interface RouteEntry {
  method: string
  path: string
}

/**
 * The methods registered for a concrete path, for 405 answers and their
 * `Allow` header. Elysia's route table lists each route's method and its path
 * with `:name` parameters and a `*` wildcard, a module's root with its
 * trailing slash (tests/http/method-not-allowed.test.ts pins this format).
 * The table is read on the first call, once every route is registered.
 */
export function allowedMethods(routes: () => readonly RouteEntry[]): (path: string) => string[] {
  let compiled: { pattern: RegExp; method: string }[] | undefined
  return (path) => {
    compiled ??= routes().map((route) => ({
      method: route.method,
      pattern: new RegExp(
        `^${route.path
          .replace(/\/+$/, '')
          .replace(/[.+?^${}()|[\]\\]/g, '\\$&')
          .replace(/:[^/]+/g, '[^/]+')
          .replace(/\*/g, '.*')}/?$`,
      ),
    }))
    const methods = new Set<string>()
    for (const route of compiled) if (route.pattern.test(path)) methods.add(route.method)
    if (methods.has('GET')) methods.add('HEAD')
    return [...methods]
  }
}
