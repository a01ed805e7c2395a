import { beforeAll, describe, expect, test } from 'bun:test'
import { bodyAs, describeEachDialect, useTestApp, type Api, type TestUser } from '../helpers/harness'
import { OptOutService } from '../../src/optouts/service'
import { keywordOf } from '../../src/optouts/keywords'
import { INCOMING, inboundPairs, postSigned } from '../webhooks/signing'
import { AUTH_TOKEN } from '../../testkit/twilio'

// Each written the way a phone keyboard, autocorrect or a CJK input method produces it.
const STOPS = [
  'STOP.',
  'Stop!',
  ' stop ',
  'ＳＴＯＰ',
  'stop!!!',
  '"STOP"',
  '¡Stop!',
  'STOP 🛑',
  '\tUnsubscribe.\n',
  'Ｅｎｄ',
  'st\u200bop',
  '\u00a0STOP\u3000',
  'ſtop',
]
const STARTS = ['Start.', ' start! ', 'ＳＴＡＲＴ', 'Yes!', 'unstop.', 'ｙｅｓ']

describeEachDialect('opt-out keywords as people type them', (dialect) => {
  const testApp = useTestApp(dialect, { env: { TWILIO_AUTH_TOKEN: AUTH_TOKEN }, timeout: 30_000 })
  let optOuts: OptOutService
  let user: TestUser
  let n = 0
  const freshPhone = () => `+1415556${String(1000 + ++n).padStart(4, '0')}`

  beforeAll(async () => {
    optOuts = new OptOutService(testApp.database)
    user = await testApp.createUser('user')
  }, 30_000)

  const reply = async (phone: string, body: string, extra: Record<string, string> = {}) =>
    expect((await postSigned(testApp, INCOMING, inboundPairs({ From: phone, Body: body, ...extra }))).status).toBe(200)

  test.each(STOPS)('%p opts the number out like STOP, and the customer shows it', async (body) => {
    const phone = freshPhone()
    const created = await testApp.request('POST', '/api/v2/customers', {
      token: user.token,
      json: { first_name: 'Ada', last_name: 'L', phone },
    })
    expect(created.status).toBe(201)
    await reply(phone, body)
    expect(await optOuts.isOptedOut(phone)).toBe(true)
    const { id } = await bodyAs<Api['customers']['post']>(created)
    const customer = await testApp.request('GET', `/api/v2/customers/${id}`, { token: user.token })
    expect(await customer.json()).toMatchObject({ sms_opt_out: true })
  })

  test.each(STARTS)('%p opts it back in like START', async (body) => {
    const phone = freshPhone()
    await reply(phone, 'STOP')
    await reply(phone, body)
    expect(await optOuts.isOptedOut(phone)).toBe(false)
  })

  test('words around the keyword still do nothing', async () => {
    const phone = freshPhone()
    for (const body of ['stop by later', 'Please start now', 'Yes please', 'ST OP']) await reply(phone, body)
    expect(await optOuts.isOptedOut(phone)).toBe(false)
  })

  test("when Twilio's OptOutType and the words disagree, the opt-out wins", async () => {
    const phone = freshPhone()
    await reply(phone, 'STOP!', { OptOutType: 'START' })
    expect(await optOuts.isOptedOut(phone)).toBe(true)
  })
})

describe('keywordOf', () => {
  test.each([
    ['ＳＴＯＰ', 'STOP'],
    ['  Stop! ', 'STOP'],
    ['st\u00adop', 'STOP'],
    ['STOP.', 'STOP'],
    ['stop by', 'STOP BY'],
    ['', ''],
    ['!!!', ''],
  ])('%p -> %p', (input, expected) => {
    expect(keywordOf(input)).toBe(expected)
  })
})
