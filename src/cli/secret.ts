import { randomBytes } from 'node:crypto'

/** A fresh SECRET_KEY: 48 random bytes, URL-safe base64 (64 characters). */
export function generateSecret(): string {
  return randomBytes(48).toString('base64url')
}
