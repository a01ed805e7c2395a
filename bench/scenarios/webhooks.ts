import { createHmac } from 'node:crypto'
import { DURATION_SECONDS, load, type VariedRequest } from '../lib'
import { alternatingRounds, printDialectTable, type DialectRow } from '../report'
import { PUBLIC_URL, TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, type BenchServer, type ServerSet } from '../servers'

const INCOMING = '/webhooks/twilio/incoming'

/** Twilio's scheme: the URL, then each parameter name and value in name order; HMAC-SHA1, base64. */
function sign(url: string, params: Record<string, string>): string {
  const data = Object.keys(params)
    .sort()
    .reduce((acc, key) => acc + key + params[key], url)
  return createHmac('sha1', TWILIO_AUTH_TOKEN).update(data).digest('base64')
}

/** Enough distinct messages that every request is a real insert, not a duplicate; a fresh run id per dialect. */
function presignedIncoming(count: number, run: string): VariedRequest[] {
  const pool: VariedRequest[] = []
  for (let i = 0; i < count; i++) {
    const params: Record<string, string> = {
      MessageSid: `SM${run}${i.toString(16).padStart(20, '0')}`,
      AccountSid: TWILIO_ACCOUNT_SID,
      From: `+1415555${String(i % 10_000).padStart(4, '0')}`,
      To: '+15005550001',
      Body: i % 50 === 0 ? 'STOP' : `Message number ${i}`,
      NumMedia: '0',
      FromCity: 'SAN FRANCISCO',
    }
    pool.push({
      body: new URLSearchParams(params).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': sign(PUBLIC_URL + INCOMING, params) },
    })
  }
  return pool
}

/** A MessageSid run id (12 hex digits) no other load of this bench uses: SM + these 12 + 20 for the message, as Twilio's 32. */
let runs = 0
function runId(dialect: string): string {
  return (Date.now().toString(16) + (runs++).toString(16) + (dialect === 'sqlite' ? '1' : '2')).slice(-12)
}

/** Signed inbound webhooks to one server, `count` of them, with MessageSids no other load of this bench used. */
function signedLoad(s: BenchServer, count: number) {
  return { url: `${s.url}${INCOMING}`, method: 'POST', varied: presignedIncoming(count, runId(s.dialect)) }
}

/**
 * Signed inbound-SMS webhooks (signature, opt-out keyword, customer lookup,
 * insert; a new MessageSid each) and rejected ones, as a ratio of /health on
 * the same server in the same run; then the two in alternating rounds. A short
 * load first brings the webhook path to its steady state (compiled code, table
 * pages), as /health already is from the sections before.
 */
export async function runWebhooks(set: ServerSet) {
  const size = Math.min(400_000, Math.max(20_000, DURATION_SECONDS * 30_000))
  const health: DialectRow = {}
  const signed: DialectRow = {}
  const rejected: DialectRow = {}
  for (const s of set.servers) {
    await load('warm-up', { ...signedLoad(s, 40_000), seconds: 2 })
    const signedRun = signedLoad(s, size)
    health[s.dialect] = await load('GET /health', { url: `${s.url}/health` })
    signed[s.dialect] = await load('signed', signedRun)
    rejected[s.dialect] = await load('rejected', {
      url: `${s.url}${INCOMING}`,
      method: 'POST',
      varied: [
        {
          body: signedRun.varied[0]!.body,
          headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': 'bm90IGEgc2lnbmF0dXJl' },
        },
      ],
    })
  }
  printDialectTable(
    'Twilio webhooks',
    [
      { label: 'GET /health', row: health },
      { label: 'POST /webhooks/twilio/incoming (signed, new MessageSid)', row: signed },
      { label: 'POST /webhooks/twilio/incoming (bad signature, 403 expected)', row: rejected },
    ],
    health,
  )
  await alternatingRounds(
    'Signed webhooks against /health',
    { base: '/health', measured: 'webhook' },
    set.servers.map((s) => ({
      label: `${s.dialect === 'sqlite' ? 'SQLite' : 'PostgreSQL'}: signed webhook, new MessageSid`,
      base: { pid: s.pid, load: { url: `${s.url}/health` } },
      measured: { pid: s.pid, load: () => signedLoad(s, 90_000) },
    })),
  )
}
