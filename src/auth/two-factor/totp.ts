import type { TOTP } from 'otpauth'
import { loadOnFirstUse } from '../../load-on-first-use'

/** RFC 6238 as every authenticator app expects it: SHA-1, 6 digits, 30 seconds. */
const PERIOD = 30
const ISSUER = 'CRM'

/** otpauth (and the node:crypto it brings) is loaded on the first two-factor set-up or sign-in: most servers never see one. */
const library = loadOnFirstUse(() => require('otpauth') as typeof import('otpauth'))

function totpOf(base32Secret: string, label: string): TOTP {
  const { Secret, TOTP } = library()
  return new TOTP({ issuer: ISSUER, label, algorithm: 'SHA1', digits: 6, period: PERIOD, secret: Secret.fromBase32(base32Secret) })
}

export function newTotpSecret(): string {
  return new (library().Secret)({ size: 20 }).base32
}

export function otpauthUri(base32Secret: string, email: string): string {
  return totpOf(base32Secret, email).toString()
}

/** The URI as an SVG QR code in a data URL, rendered here (no third-party QR service sees the secret). */
export async function qrCodeDataUrl(uri: string): Promise<string> {
  // Loaded on first enrolment: qrcode brings a PNG encoder and node:zlib, ~10 MB resident, that a start does not need.
  const { default: QRCode } = await import('qrcode')
  const svg = await QRCode.toString(uri, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 })
  return `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`
}

export function isTotpCode(code: string): boolean {
  return /^\d{6}$/.test(code)
}

/** The time step the code belongs to (now ±1 step, for clock drift), or undefined. */
export function totpStep(base32Secret: string, code: string, now = Date.now()): number | undefined {
  if (!isTotpCode(code)) return undefined
  const delta = totpOf(base32Secret, '').validate({ token: code, timestamp: now, window: 1 })
  if (delta === null) return undefined
  return Math.floor(now / 1000 / PERIOD) + delta
}
