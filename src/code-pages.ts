import { readFileSync, realpathSync } from 'node:fs'

/** One executable mapping of /proc/self/maps. */
export interface CodeMapping {
  start: number
  end: number
}

/**
 * The executable's own machine code (`r-xp` mappings of the file), from the text
 * of /proc/self/maps. Only these are ever handed back: they are never written,
 * so the pages read back are the ones handed back. Writable or relocated
 * mappings (data, RELRO) are not touched.
 */
export function executableCodeMappings(maps: string, executable: string): CodeMapping[] {
  const found: CodeMapping[] = []
  for (const line of maps.split('\n')) {
    const [range, perms, , , , ...path] = line.trim().split(/\s+/)
    if (perms !== 'r-xp' || path.join(' ') !== executable || !range) continue
    const [start, end] = range.split('-').map((hex) => Number.parseInt(hex, 16))
    if (start !== undefined && end !== undefined && Number.isSafeInteger(start) && Number.isSafeInteger(end) && end > start)
      found.push({ start, end })
  }
  return found
}

const MADV_DONTNEED = 4

/**
 * Hands the pages of the executable's machine code back to the system: start-up
 * runs code (module loading, migrations, the first compilations) that requests
 * never run again, a burst of requests code an idle server does not run, and
 * every page of it stays in the process's resident set.
 * The pages are the executable file's, unchanged, and stay in the page cache:
 * what requests use again comes back on first use from there, without reading
 * the disk. Linux only; anywhere else, or if libc cannot be reached, nothing
 * happens. Returns the bytes handed back.
 */
export function releaseCodePages(): number {
  if (process.platform !== 'linux') return 0
  try {
    const executable = realpathSync(process.execPath)
    const mappings = executableCodeMappings(readFileSync('/proc/self/maps', 'utf8'), executable)
    if (mappings.length === 0) return 0
    const { dlopen, FFIType } = require('bun:ffi') as typeof import('bun:ffi')
    const libc = dlopen('libc.so.6', { madvise: { args: [FFIType.u64, FFIType.u64, FFIType.i32], returns: FFIType.i32 } })
    let released = 0
    try {
      for (const { start, end } of mappings) {
        if (libc.symbols.madvise(start, end - start, MADV_DONTNEED) === 0) released += end - start
      }
    } finally {
      libc.close()
    }
    return released
  } catch {
    return 0
  }
}
