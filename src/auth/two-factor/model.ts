import { t } from 'elysia'

const code = t.String({
  maxLength: 64,
  description: 'A 6-digit code from the authenticator app, or (where allowed) a recovery code such as `abcde-fghjk`',
})

export const TwoFactorModel = {
  challenge: t.Object(
    {
      two_factor_required: t.Literal(true),
      challenge: t.String({ description: 'Opaque; valid for 5 minutes and one completed login. Send it to POST /api/v2/auth/2fa/verify' }),
    },
    { title: 'TwoFactorChallenge' },
  ),
  verify: t.Object({ challenge: t.String({ maxLength: 256 }), code }, { title: 'TwoFactorVerifyRequest' }),
  password: t.Object({ password: t.String({ maxLength: 1024, description: 'The current password' }) }, { title: 'TwoFactorSetupRequest' }),
  setup: t.Object(
    {
      secret: t.String({ description: 'Base32 TOTP secret, for typing into an app by hand; shown only now' }),
      otpauth_uri: t.String({ description: '`otpauth://totp/…` (SHA-1, 6 digits, 30 s)' }),
      qr_code: t.String({ description: 'The URI as an SVG QR code, `data:image/svg+xml;base64,…`' }),
    },
    { title: 'TwoFactorSetup' },
  ),
  code: t.Object(
    { code: t.String({ maxLength: 64, description: 'A 6-digit code from the authenticator app' }) },
    { title: 'TwoFactorCodeRequest' },
  ),
  disable: t.Object({ password: t.String({ maxLength: 1024 }), code }, { title: 'TwoFactorDisableRequest' }),
  recoveryCodes: t.Object(
    {
      recovery_codes: t.Array(t.String(), {
        description: 'Ten single-use codes, shown only now; each replaces one authenticator code once',
      }),
    },
    { title: 'RecoveryCodes' },
  ),
  status: t.Object(
    {
      enabled: t.Boolean({ description: 'Two-factor sign-in is on for this user' }),
      required: t.Boolean({ description: 'REQUIRE_2FA_FOR names this user’s role' }),
    },
    { title: 'TwoFactorStatus' },
  ),
}
