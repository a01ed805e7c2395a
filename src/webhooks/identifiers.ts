import type { TwilioParams } from './form'

const MESSAGE_SID = /^(SM|MM)[0-9a-f]{32}$/
const ACCOUNT_SID = /^AC[0-9a-f]{32}$/

/** The names Twilio gives a message's id; older callbacks carry several, always equal. */
const MESSAGE_SID_NAMES = ['MessageSid', 'SmsSid', 'SmsMessageSid']

function valuesOf(params: TwilioParams, names: readonly string[]): string[] {
  const values: string[] = []
  for (const name of names) {
    const value = params[name]
    if (typeof value === 'string') values.push(value)
    else if (value !== undefined) values.push(...value)
  }
  return values
}

const ACCOUNT_SID_NAMES = ['AccountSid']

function allEqual(values: string[]): boolean {
  return values.every((value) => value === values[0])
}

/**
 * Why a signed request's identifiers are not Twilio's, or undefined when they
 * are. Twilio's signature covers names and values concatenated, not where one
 * ends and the next begins: `MessageSid=X&NumMedia=0` and
 * `MessageSid=XNumMedia0` sign the same. Exact id shapes pin the boundaries
 * that matter, so a captured request cannot be re-cut into a "new" message.
 */
export function identifierProblem(params: TwilioParams, accountSid: string | undefined): string | undefined {
  const messageSids = valuesOf(params, MESSAGE_SID_NAMES)
  if (messageSids.length === 0) return 'MessageSid is required'
  if (!messageSids.every((sid) => MESSAGE_SID.test(sid))) return 'MessageSid is not a Twilio message id'
  if (!allEqual(messageSids)) return 'MessageSid, SmsSid and SmsMessageSid differ'
  const accountSids = valuesOf(params, ACCOUNT_SID_NAMES)
  if (accountSids.length === 0) return 'AccountSid is required'
  if (!accountSids.every((sid) => ACCOUNT_SID.test(sid)) || !allEqual(accountSids)) return 'AccountSid is not a Twilio account id'
  if (accountSid !== undefined && accountSids[0] !== accountSid) return 'AccountSid is not this account'
  return undefined
}
