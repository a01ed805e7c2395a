import { describe, expect, test } from 'bun:test'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parse } from 'yaml'
import { VARIABLES } from '../../src/config/variables'
import { ROOT } from '../helpers/spawn'

const read = (path: string) => readFileSync(join(ROOT, path), 'utf8')

/** Every variable the server reads, from the table loadConfig reads them by. */
const SERVER_VARIABLES = new Set<string>(VARIABLES.map((variable) => variable.name))
/** The credentials: deploy files leave them for the operator to fill in. */
const SECRETS: string[] = VARIABLES.filter((variable) => variable.secret).map((variable) => variable.name)

interface Service {
  image?: string
  build?: string
  environment?: Record<string, string>
  env_file?: ({ path: string; required?: boolean } | string)[]
  ports?: string[]
  expose?: string[]
  healthcheck?: { test: string[] }
  depends_on?: Record<string, { condition: string }>
  volumes?: string[]
  stop_grace_period?: string
}

const compose = parse(read('compose.yaml'), { merge: true }) as { services: Record<string, Service> }
const services = compose.services
const REPLICAS = ['api-1', 'api-2']
const COMPOSE_ONLY = new Set(['POSTGRES_PASSWORD', 'SITE_ADDRESS'])

describe('compose.yaml', () => {
  test('the table holds the variables the deploy files rely on, and names the credentials', () => {
    for (const name of ['SECRET_KEY', 'DATABASE_URL', 'PUBLIC_URL', 'TRUST_PROXY', 'ENVIRONMENT', 'FRONTEND_URL', 'METRICS_TOKEN'])
      expect(SERVER_VARIABLES.has(name), name).toBe(true)
    expect(SECRETS).toEqual(expect.arrayContaining(['SECRET_KEY', 'TWILIO_AUTH_TOKEN', 'SMTP_URL', 'METRICS_TOKEN', 'ADMIN_PASSWORD']))
  })

  test('PostgreSQL, two replicas of the server, a reverse proxy', () => {
    expect(Object.keys(services).sort()).toEqual(['api-1', 'api-2', 'db', 'proxy'])
    expect(services.db!.image).toStartWith('postgres:')
    expect(services.proxy!.image).toStartWith('caddy:')
    for (const name of REPLICAS) expect(services[name]!.build).toBe('.')
  })

  test('the replicas: production settings the server reads, the credentials from the env file', () => {
    for (const name of REPLICAS) {
      const service = services[name]!
      const env = service.environment!
      for (const key of Object.keys(env))
        expect(SERVER_VARIABLES.has(key), `${name} sets ${key}, which the server does not read`).toBe(true)
      for (const secret of SECRETS) expect(env, `${name} sets ${secret} in compose.yaml`).not.toHaveProperty(secret)
      expect(env.ENVIRONMENT).toBe('production')
      expect(env.TRUST_PROXY).toBe('true')
      expect(env.DATABASE_URL).toMatch(/^postgres:\/\/crm:\$\{POSTGRES_PASSWORD[^}]*\}@db:5432\/crm$/)
      expect(env.PUBLIC_URL).toContain('${PUBLIC_URL')
      expect(service.env_file).toContainEqual({ path: '.env', required: true })
      expect(service.depends_on?.db?.condition).toBe('service_healthy')
      // Only the proxy is reachable from outside.
      expect(service.ports).toBeUndefined()
      expect(service.expose).toContain(env.PORT!)
      expect(service.healthcheck!.test.join(' ')).toContain(`127.0.0.1:${env.PORT}/health`)
      expect(Number.parseInt(service.stop_grace_period!, 10)).toBeGreaterThan(25)
    }
  })

  test('healthchecks: database, replicas and proxy', () => {
    expect(services.db!.healthcheck!.test.join(' ')).toContain('pg_isready')
    expect(services.proxy!.healthcheck!.test.join(' ')).toContain('/health')
    for (const name of REPLICAS) expect(services.proxy!.depends_on?.[name]?.condition).toBe('service_healthy')
  })

  test('the proxy publishes 80/443 and forwards to both replicas with X-Forwarded-*', () => {
    const proxy = services.proxy!
    expect(proxy.ports).toEqual(['80:80', '443:443'])
    const mount = proxy.volumes!.find((v) => v.endsWith(':/etc/caddy/Caddyfile:ro'))!
    const caddyfile = read(mount.split(':')[0]!.replace(/^\.\//, ''))
    for (const name of REPLICAS) expect(caddyfile).toContain(`${name}:8000`)
    expect(caddyfile).toContain('health_uri /health')
    for (const header of ['X-Forwarded-For', 'X-Forwarded-Proto', 'X-Forwarded-Host'])
      expect(caddyfile).toMatch(new RegExp(`header_up ${header} \\{`))
    // Client-sent X-Forwarded-* must not be trusted by the proxy either.
    expect(caddyfile).not.toContain('trusted_proxies')
  })

  test('deploy/env.example names only variables the server reads (plus the two compose needs), credentials left blank', () => {
    const entries = read('deploy/env.example')
      .split('\n')
      .filter((line) => /^[A-Z]/.test(line))
      .map((line) => line.split('='))
    const keys = entries.map(([key]) => key!)
    expect(keys).toContain('SECRET_KEY')
    for (const key of keys) expect(SERVER_VARIABLES.has(key) || COMPOSE_ONLY.has(key), key).toBe(true)
    for (const [key, value] of entries) if (SECRETS.includes(key!)) expect(value, key).toBe('')
  })
})

describe('Dockerfile and service definitions', () => {
  test('Dockerfile builds the binary with bun and runs it on a slim base as a non-root user', () => {
    const dockerfile = read('Dockerfile')
    const stages = dockerfile.split(/^FROM /m).slice(1)
    expect(stages.length).toBe(2)
    expect(stages[0]).toContain('bun run build')
    const runtime = stages[1]!
    expect(runtime).toMatch(/^\S*slim/)
    expect(runtime).toContain('COPY --from=build /src/dist/crm-api /usr/local/bin/crm-api')
    expect(runtime).toMatch(/^USER (?!root)\S+/m)
    expect(runtime).toContain('EXPOSE 8000')
    expect(runtime).toMatch(/HEALTHCHECK[\s\S]*\/health/)
    expect(runtime).toContain('STOPSIGNAL SIGTERM')
    for (const path of ['src', 'drizzle', 'package.json', 'package-lock.json', 'tsconfig.json', 'bunfig.toml'])
      expect(existsSync(join(ROOT, path))).toBe(true)
  })

  test('the systemd unit and the Windows start script set only variables the server reads, and no credential', () => {
    const unit = read('deploy/crm-api.service')
    const unitVars = [...unit.matchAll(/^Environment=([A-Z_]+)=/gm)].map((m) => m[1]!)
    const cmdSets = [...read('deploy/windows/run-crm-api.cmd').matchAll(/^set ([A-Z_]+)=(.*)$/gm)].map(
      (m) => [m[1]!, m[2]!.trim()] as const,
    )
    expect(unitVars).toContain('DATA_DIR')
    expect(cmdSets.map(([name]) => name)).toContain('SECRET_KEY')
    for (const name of [...unitVars, ...cmdSets.map(([key]) => key)]) expect(SERVER_VARIABLES.has(name), name).toBe(true)
    // The unit reads credentials from its EnvironmentFile; the script leaves them blank to fill in.
    for (const name of unitVars) expect(SECRETS, name).not.toContain(name)
    for (const [name, value] of cmdSets) if (SECRETS.includes(name)) expect(value, name).toBe('')
    expect(unit).toContain('KillSignal=SIGTERM')
    expect(unit).toContain('ExecStart=/usr/local/bin/crm-api serve')
    expect(unit).toMatch(/^User=(?!root)\S+/m)
  })
})
