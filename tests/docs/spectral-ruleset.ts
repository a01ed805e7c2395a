import { oas } from '@stoplight/spectral-rulesets'
import owasp from '@stoplight/spectral-owasp-ruleset'
import type { RulesetDefinition } from '@stoplight/spectral-core'

/**
 * The ruleset /openapi.json is linted with (tests/docs/openapi-spectral.test.ts):
 * Spectral's OpenAPI rules and the OWASP API Security Top 10 rules, both
 * "recommended", with the exceptions below, each for a stated reason.
 */
type Rule = { given: string | string[]; then: unknown; severity?: unknown; formats?: unknown; description?: string; message?: string }
const owaspRules = (owasp as unknown as { rules: Record<string, Rule> }).rules

/** The schemas a client sends: request bodies and query parameters. */
function requestSchemas(type: string): string[] {
  const ofType = `[?(@ && (@.type=="${type}" || (@.type && @.type.constructor.name === "Array" && @.type.includes("${type}"))))]`
  return [`$.paths[*][*].requestBody.content[*].schema..${ofType}`, `$.paths[*][*].parameters[?(@.in=="query")]..${ofType}`]
}

/** An OWASP input-size rule, applied to what clients send only. */
function onRequests(name: string, type: string): Rule {
  const rule = owaspRules[name]!
  return {
    description: `${rule.description ?? name} (request bodies and query parameters)`,
    message: rule.message,
    severity: 'error',
    given: requestSchemas(type),
    // biome-ignore lint/suspicious/noThenProperty: Spectral's rule format names its action `then`
    then: rule.then,
  }
}

export const ruleset = {
  extends: [
    [oas, 'recommended'],
    [owasp, 'recommended'],
  ],
  rules: {
    // The size limits protect the server from what clients send. Responses are
    // written by this server from its own rows; path segments are bounded by the
    // URL limit and an unknown id is a 404. So the three rules run on request
    // bodies and query parameters only (the rules below).
    'owasp:api4:2023-string-limit': 'off',
    'owasp:api4:2023-integer-limit': 'off',
    'owasp:api4:2023-array-limit': 'off',
    'request-string-limit': onRequests('owasp:api4:2023-string-limit', 'string'),
    'request-integer-limit': onRequests('owasp:api4:2023-integer-limit', 'integer'),
    'request-array-limit': onRequests('owasp:api4:2023-array-limit', 'array'),

    // Only sending SMS is rate-limited per request, and that answer documents
    // RateLimit/RateLimit-Policy; logins are throttled per account after failures
    // (429 with Retry-After). Claiming rate-limit headers elsewhere would be false.
    'owasp:api4:2023-rate-limit': 'off',

    // Ids are the database's integer keys, part of the contract with the front
    // end. Guessing one gains nothing: every request is authorised by role and
    // permission, and customers/messages are shared by the office anyway.
    'owasp:api1:2023-no-numeric-ids': 'off',

    // Logging in is how a client gets credentials; it cannot require them.
    'owasp:api2:2023-write-restricted': 'off',

    // Admin routes use the same bearer token or session cookie; what guards them
    // is the admin_panel / manage_users permission checked on every request, as
    // the operation descriptions and 403 answers say.
    'owasp:api5:2023-admin-security-unique': 'off',
  },
} as unknown as RulesetDefinition
