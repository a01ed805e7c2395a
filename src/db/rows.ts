/**
 * The one row an INSERT … RETURNING or an UPDATE of a row known to exist gives
 * back (or a mapping of one such row). None is a broken invariant, not a missing record.
 */
export function onlyRow<T>(rows: readonly T[]): T {
  const [row] = rows
  if (row === undefined) throw new Error('the statement returned no row')
  return row
}
