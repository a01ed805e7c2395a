import type { AppContext } from '../context'
import { CustomerDirectory, type CustomerRow } from '../customers/directory'
import { emailAddressProblem, normalizeEmailAddress } from '../email/address'
import { ValidationFailed } from '../http/errors'
import { toE164 } from '../phone/normalize'

export interface Recipient {
  /** E.164 for SMS, a normalised address for e-mail. */
  to: string
  customerId: number | null
}

export const NO_PHONE = 'Customer has no phone number'

/** A customer's phone number in E.164, if it has one that parses. */
export function customerPhone(customer: Pick<CustomerRow, 'phone'>, defaultCountry: string): string | undefined {
  return customer.phone ? toE164(customer.phone, defaultCountry) : undefined
}

/** An address in its sending form, or what is wrong with it. */
type Address = { to: string } | { problem: string }

const sendable = (to: string | undefined, problem: () => string): Address => (to ? { to } : { problem: problem() })

/** What differs between SMS and e-mail when finding who a message goes to. */
interface Channel {
  /** The `to` a client gave. */
  given(raw: string): Address
  /** The customer's own address. */
  ofCustomer(customer: CustomerRow): Address
  /** Neither `to` nor `customer_id`. */
  missing: string
  /** The customer a message to this address is linked to. */
  owner(to: string): Promise<CustomerRow | undefined>
}

/** Resolves `to` and/or `customer_id` into the destination and the customer the record is linked to. */
export class RecipientResolver {
  private readonly directory: CustomerDirectory
  private readonly channels: Record<'sms' | 'email', Channel>

  constructor(ctx: AppContext) {
    const directory = new CustomerDirectory(ctx.database)
    const country = ctx.config.defaultCountry
    this.directory = directory
    this.channels = {
      sms: {
        given: (raw) => sendable(toE164(raw, country), () => 'Invalid phone number'),
        ofCustomer: (customer) => sendable(customerPhone(customer, country), () => NO_PHONE),
        missing: 'Give a phone number in `to` or a `customer_id`',
        owner: (to) => directory.withPhone(to),
      },
      email: {
        given: (raw) => sendable(normalizeEmailAddress(raw), () => emailAddressProblem(raw) ?? 'Invalid email address'),
        ofCustomer: ({ email }) =>
          sendable(email ? normalizeEmailAddress(email) : undefined, () =>
            email ? `Customer's e-mail address cannot be used (${emailAddressProblem(email)})` : 'Customer has no e-mail address',
          ),
        missing: 'Give an e-mail address in `to` or a `customer_id`',
        owner: (to) => directory.withEmail(to),
      },
    }
  }

  /**
   * With `customer_id` the customer must exist (404) and `to`, when given,
   * wins over its address; without, the message is linked to the customer
   * the address belongs to, if any. A 422 names the field that cannot be used.
   */
  async resolve(channel: 'sms' | 'email', input: { to?: string | null; customer_id?: number | null }): Promise<Recipient> {
    const { given, ofCustomer, missing, owner } = this.channels[channel]
    const to = input.to === undefined || input.to === null ? undefined : accepted('to', given(input.to))
    if (input.customer_id !== undefined && input.customer_id !== null) {
      const customer = await this.directory.get(input.customer_id)
      return { to: to ?? accepted('customer_id', ofCustomer(customer)), customerId: customer.id }
    }
    if (to === undefined) throw ValidationFailed.field('to', missing)
    return { to, customerId: (await owner(to))?.id ?? null }
  }
}

function accepted(field: string, address: Address): string {
  if ('problem' in address) throw ValidationFailed.field(field, address.problem)
  return address.to
}
