/** Security schemes of the OpenAPI document. */
export const SECURITY_SCHEMES = {
  bearerAuth: {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description:
      'The access_token from login or refresh. The JWTs follow RFC8725: HS256 only (the algorithm is fixed, never read from the token), `exp` always checked, a `type` claim keeps access and refresh tokens apart, revoked token ids are refused.',
  },
  cookieAuth: { type: 'apiKey', in: 'cookie', name: 'session', description: 'Set by login; unsafe methods also need a same-site Origin' },
  refreshCookie: { type: 'apiKey', in: 'cookie', name: 'refresh', description: 'Set by login and refresh, sent only to /api/v2/auth' },
  twilioSignature: {
    type: 'apiKey',
    in: 'header',
    name: 'X-Twilio-Signature',
    description: 'HMAC-SHA1 of the request URL and parameters with the Twilio auth token',
  },
  metricsToken: { type: 'http', scheme: 'bearer', description: 'METRICS_TOKEN, when it is set' },
} as const
