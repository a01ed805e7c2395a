/** Replies that withdraw consent. */
const OPT_OUT_KEYWORDS = new Set(['STOP', 'STOPALL', 'UNSUBSCRIBE', 'CANCEL', 'END', 'QUIT', 'REVOKE', 'OPTOUT'])
/** Replies that give it back. */
const OPT_IN_KEYWORDS = new Set(['START', 'UNSTOP', 'YES'])

// Invisible format characters (zero-width space, BOM, soft hyphen …) anywhere, and
// whitespace, punctuation, symbols or control characters around the word.
const INVISIBLE = /\p{Cf}/gu
const SURROUNDING = /^[\s\p{Z}\p{P}\p{S}\p{Cc}]+|[\s\p{Z}\p{P}\p{S}\p{Cc}]+$/gu

/**
 * A reply as the keyword it is meant to be: Unicode NFKC (fullwidth `ＳＴＯＰ`
 * is `STOP`), upper-cased, invisible characters dropped, and surrounding
 * whitespace and punctuation removed (`Stop!`, ` stop `, `STOP.`).
 */
export function keywordOf(body: string): string {
  return body.normalize('NFKC').replace(INVISIBLE, '').replace(SURROUNDING, '').toUpperCase()
}

export type OptOutChange = 'opted_out' | 'opted_in' | undefined

/**
 * What an inbound message asks for: its body as a keyword, or Twilio's
 * OptOutType (Advanced Opt-Out, for an account's own keywords). When the two
 * disagree, the recipient's withdrawal wins.
 */
export function optOutChange(body: string | undefined, optOutType: string | undefined): OptOutChange {
  const type = optOutType === undefined ? '' : keywordOf(optOutType)
  const keyword = body === undefined ? '' : keywordOf(body)
  if (type === 'STOP' || OPT_OUT_KEYWORDS.has(keyword)) return 'opted_out'
  if (type === 'START' || OPT_IN_KEYWORDS.has(keyword)) return 'opted_in'
  return undefined
}
