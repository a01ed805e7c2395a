import type { Scenario } from '../lib'
import { health } from './health'
import { auth } from './auth'
import { customers } from './customers'
import { webhooks } from './webhooks'
import { sms } from './sms'

/** Every scenario `bun run bench` runs, in order. */
export const scenarios: Scenario[] = [health, auth, customers, webhooks, sms]
