/**
 * Every message status Twilio sends, ranked in the order a message moves
 * through them. A callback may arrive late or twice, so a status only ever
 * replaces one of a lower rank. Statuses of equal rank (the final ones) never
 * replace each other; `read` comes after delivery.
 */
export const STATUS_RANK: Readonly<Record<string, number>> = Object.freeze({
  accepted: 0,
  scheduled: 1,
  queued: 2,
  sending: 3,
  receiving: 3,
  sent: 4,
  delivered: 6,
  undelivered: 6,
  failed: 6,
  canceled: 6,
  partially_delivered: 6,
  received: 6,
  read: 7,
})

/**
 * A status Twilio adds later, unknown here: stored as sent, placed after
 * `sent` and before the final statuses. It can replace only a status still on
 * its way (so nothing final is overwritten by a value we cannot place), and
 * once stored only a final status replaces it (so a late `sent` cannot move
 * the message back).
 */
export const UNKNOWN_STATUS_RANK = 5

/** The order for people: ranks joined by `<`, equal ranks by `/`. */
export const STATUS_ORDER_TEXT = (() => {
  const byRank = new Map<number, string[]>()
  for (const [name, rank] of Object.entries(STATUS_RANK)) byRank.set(rank, [...(byRank.get(rank) ?? []), name])
  return [...byRank.entries()]
    .sort(([a], [b]) => a - b)
    .map(([, names]) => names.join(' / '))
    .join(' < ')
})()

/** Longer unknown values are cut to this (the column is shown in lists). */
export const MAX_STATUS_LENGTH = 64

/** The known status a callback names (compared in lower case), or undefined. */
export function knownStatus(value: string): string | undefined {
  const lower = value.toLowerCase()
  return Object.hasOwn(STATUS_RANK, lower) ? lower : undefined
}

/** SQL `CASE <column> … END` arms giving every stored status its rank. Names and numbers are ours, never input. */
export function rankCaseArms(): string {
  return `${Object.entries(STATUS_RANK)
    .map(([name, rank]) => `WHEN '${name}' THEN ${rank}`)
    .join(' ')} ELSE ${UNKNOWN_STATUS_RANK} END`
}
