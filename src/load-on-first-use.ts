/**
 * A module loaded on the first call instead of at start, so an idle server does
 * not hold it in memory. `load` must call require() with the module's name
 * written out: the callers stay synchronous, and the build still puts the module
 * in a chunk of its own (tests/ops/startup-graph.test.ts keeps each one out of start-up).
 */
export function loadOnFirstUse<T>(load: () => T): () => T {
  let loaded: T | undefined
  return () => {
    loaded ??= load()
    return loaded
  }
}
