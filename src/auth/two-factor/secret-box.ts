/**
 * TOTP secrets at rest: AES-256-GCM (WebCrypto) under a key derived from
 * SECRET_KEY with HKDF, so a copy of the database alone does not reveal them.
 * Stored as "v1.<iv>.<ciphertext+tag>" (base64url). Rotating SECRET_KEY makes
 * stored secrets unreadable: those users must have their 2FA reset.
 */
const VERSION = 'v1'

export class SecretBox {
  private key: Promise<CryptoKey> | undefined

  constructor(private readonly secretKey: string) {}

  private derivedKey(): Promise<CryptoKey> {
    this.key ??= (async () => {
      const material = await crypto.subtle.importKey('raw', new TextEncoder().encode(this.secretKey), 'HKDF', false, ['deriveKey'])
      return crypto.subtle.deriveKey(
        { name: 'HKDF', hash: 'SHA-256', salt: new TextEncoder().encode('crm-api'), info: new TextEncoder().encode('totp-secret-v1') },
        material,
        { name: 'AES-GCM', length: 256 },
        false,
        ['encrypt', 'decrypt'],
      )
    })()
    return this.key
  }

  /** `context` (the user id) is bound as associated data: a secret copied to another row does not decrypt. */
  async seal(plain: string, context: string): Promise<string> {
    const iv = crypto.getRandomValues(new Uint8Array(12))
    const sealed = await crypto.subtle.encrypt(
      { name: 'AES-GCM', iv, additionalData: new TextEncoder().encode(context) },
      await this.derivedKey(),
      new TextEncoder().encode(plain),
    )
    return `${VERSION}.${Buffer.from(iv).toString('base64url')}.${Buffer.from(sealed).toString('base64url')}`
  }

  /** undefined when the value is malformed or was sealed under another key or for another row. */
  async open(stored: string, context: string): Promise<string | undefined> {
    const [version, iv, data] = stored.split('.')
    if (version !== VERSION || !iv || !data) return undefined
    try {
      const plain = await crypto.subtle.decrypt(
        { name: 'AES-GCM', iv: Buffer.from(iv, 'base64url'), additionalData: new TextEncoder().encode(context) },
        await this.derivedKey(),
        Buffer.from(data, 'base64url'),
      )
      return new TextDecoder().decode(plain)
    } catch {
      return undefined
    }
  }
}
