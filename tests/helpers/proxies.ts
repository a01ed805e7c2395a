import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Subprocess } from 'bun'
import { ROOT } from './spawn'

/**
 * deploy/Caddyfile and deploy/nginx.conf run for real, on loopback ports,
 * in front of servers that are already running.
 */
export interface RunningProxy {
  name: string
  /** The public HTTPS origin, e.g. https://127.0.0.1:43123 (PUBLIC_URL of the replicas). */
  url: string
  /** The proxy's certificate authority (PEM), for clients that verify TLS. */
  ca: string
  caFile: string
  /** Everything the proxy process wrote. */
  output(): string
  stop(): Promise<void>
}

export interface ProxyPorts {
  http: number
  https: number
  /** Caddy only: its admin endpoint and the plain-HTTP health site. */
  admin: number
  health: number
}

function spawnLogged(cmd: string[], env: Record<string, string>, cwd: string) {
  const proc = Bun.spawn(cmd, { cwd, env, stdin: 'ignore', stdout: 'pipe', stderr: 'pipe' })
  let text = ''
  const decoder = new TextDecoder()
  for (const stream of [proc.stdout, proc.stderr]) {
    void (async () => {
      for await (const chunk of stream) text += decoder.decode(chunk)
    })()
  }
  return { proc, output: () => text }
}

async function waitFor(
  what: string,
  proc: Subprocess,
  output: () => string,
  check: () => Promise<boolean>,
  stopSignal: NodeJS.Signals,
  timeoutMs = 20_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) throw new Error(`${what} exited with ${proc.exitCode}: ${output().slice(-2000)}`)
    if (await check().catch(() => false)) return
    await Bun.sleep(50)
  }
  // Not SIGKILL: nginx's workers would outlive their master and keep the ports.
  proc.kill(stopSignal)
  await proc.exited
  throw new Error(`${what} did not come up: ${output().slice(-2000)}`)
}

const basePath = { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin' }
/** Debian installs nginx in /usr/sbin, which a non-root PATH (and a CI runner's) may leave out. */
const NGINX = Bun.which('nginx', { PATH: `${basePath.PATH}:/usr/sbin:/sbin` }) ?? 'nginx'

/**
 * deploy/Caddyfile, imported unchanged below a global block that keeps Caddy
 * on loopback and off the system: its own ports, its own storage, the local
 * CA for TLS (`local_certs`, the `tls internal` of every site) without
 * touching the system trust store. SITE_ADDRESS 127.0.0.1 gives the HTTPS
 * site on ports.https and Caddy's HTTP-to-HTTPS redirect on ports.http.
 * `site` is another Caddyfile to import instead (e.g. one from the docs).
 */
export async function startCaddy(upstreams: string[], ports: ProxyPorts, site = join(ROOT, 'deploy', 'Caddyfile')): Promise<RunningProxy> {
  const dir = mkdtempSync(join(tmpdir(), 'crm-caddy-'))
  const config = join(dir, 'Caddyfile')
  writeFileSync(
    config,
    `{
	admin 127.0.0.1:${ports.admin}
	default_bind 127.0.0.1
	http_port ${ports.http}
	https_port ${ports.https}
	local_certs
	skip_install_trust
	storage file_system ${join(dir, 'data')}
}
import ${site}
`,
  )
  const env = {
    ...basePath,
    HOME: dir,
    XDG_CONFIG_HOME: join(dir, 'config'),
    XDG_DATA_HOME: join(dir, 'data'),
    SITE_ADDRESS: '127.0.0.1',
    API_UPSTREAMS: upstreams.join(' '),
    PROXY_HEALTH_PORT: String(ports.health),
  }
  const { proc, output } = spawnLogged(['caddy', 'run', '--config', config, '--adapter', 'caddyfile'], env, dir)
  const caFile = join(dir, 'data', 'pki', 'authorities', 'local', 'root.crt')
  const url = `https://127.0.0.1:${ports.https}`
  await waitFor(
    'caddy',
    proc,
    output,
    async () => {
      if (!existsSync(caFile)) return false
      const response = await fetch(`${url}/health`, { tls: { ca: readFileSync(caFile, 'utf8') } })
      return response.status === 200
    },
    'SIGTERM',
  )
  return {
    name: 'caddy',
    url,
    ca: readFileSync(caFile, 'utf8'),
    caFile,
    output,
    async stop() {
      if (proc.exitCode === null) proc.kill('SIGTERM')
      await proc.exited
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

/** A self-signed certificate for 127.0.0.1 and localhost. */
function selfSignedCertificate(dir: string): { cert: string; key: string } {
  const cert = join(dir, 'cert.pem')
  const key = join(dir, 'key.pem')
  const result = Bun.spawnSync(
    [
      'openssl',
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      key,
      '-out',
      cert,
      '-days',
      '2',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1,DNS:localhost',
    ],
    { stdout: 'pipe', stderr: 'pipe' },
  )
  if (result.exitCode !== 0) throw new Error(`openssl failed: ${result.stderr.toString()}`)
  return { cert, key }
}

/** Replaces `from` in `text`, failing loudly when deploy/nginx.conf no longer has it. */
function replaceOnce(text: string, from: string | RegExp, to: string): string {
  const found = typeof from === 'string' ? text.includes(from) : from.test(text)
  if (!found) throw new Error(`deploy/nginx.conf no longer contains ${String(from)}`)
  return text.replace(from, to)
}

/**
 * deploy/nginx.conf with what its header tells the operator to change:
 * listen ports (on loopback), server name, certificate paths, and the
 * upstream servers (one line per replica). Checked with `nginx -t` first.
 * `edit` changes the file before that (e.g. a snippet from the docs).
 */
export async function startNginx(
  upstreams: string[],
  ports: ProxyPorts,
  edit: (site: string) => string = (site) => site,
): Promise<RunningProxy & { configTest: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'crm-nginx-'))
  // Worker processes run as an unprivileged user when nginx starts as root.
  chmodSync(dir, 0o755)
  const { cert, key } = selfSignedCertificate(dir)
  let site = edit(readFileSync(join(ROOT, 'deploy', 'nginx.conf'), 'utf8'))
  site = replaceOnce(site, /^(\s*)server 127\.0\.0\.1:8000;/m, upstreams.map((u) => `$1server ${u};`).join('\n'))
  site = replaceOnce(site, /^(\s*)listen 80;/m, `$1listen 127.0.0.1:${ports.http};`)
  site = replaceOnce(site, /^(\s*)listen 443 ssl/m, `$1listen 127.0.0.1:${ports.https} ssl`)
  site = site.replaceAll('server_name crm.example.com;', 'server_name 127.0.0.1;')
  site = replaceOnce(site, /^(\s*)ssl_certificate\s+\S+;/m, `$1ssl_certificate ${cert};`)
  site = replaceOnce(site, /^(\s*)ssl_certificate_key\s+\S+;/m, `$1ssl_certificate_key ${key};`)
  // Anything still listening elsewhere would leave loopback (and could clash with a real server).
  const stray = [...site.matchAll(/^\s*listen\s+(?!127\.0\.0\.1:)\S+/gm)].map((m) => m[0].trim())
  if (stray.length) throw new Error(`deploy/nginx.conf has listen lines this test does not map: ${stray.join(', ')}`)
  writeFileSync(join(dir, 'site.conf'), site)
  for (const temp of ['body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) mkdirSync(join(dir, temp))
  const main = join(dir, 'nginx.conf')
  writeFileSync(
    main,
    `worker_processes 1;
pid ${join(dir, 'nginx.pid')};
error_log ${join(dir, 'error.log')} warn;
events { worker_connections 256; }
http {
    access_log off;
    client_body_temp_path ${join(dir, 'body')};
    proxy_temp_path ${join(dir, 'proxy')};
    fastcgi_temp_path ${join(dir, 'fastcgi')};
    uwsgi_temp_path ${join(dir, 'uwsgi')};
    scgi_temp_path ${join(dir, 'scgi')};
    include ${join(dir, 'site.conf')};
}
`,
  )
  const base = [NGINX, '-p', dir, '-e', join(dir, 'error.log'), '-c', main]
  const test = Bun.spawnSync([...base, '-t'], { env: basePath, stdout: 'pipe', stderr: 'pipe' })
  const configTest = test.stdout.toString() + test.stderr.toString()
  if (test.exitCode !== 0) throw new Error(`nginx -t failed on deploy/nginx.conf: ${configTest}`)
  const { proc, output } = spawnLogged([...base, '-g', 'daemon off;'], basePath, dir)
  const url = `https://127.0.0.1:${ports.https}`
  const ca = readFileSync(cert, 'utf8')
  await waitFor('nginx', proc, output, async () => (await fetch(`${url}/health`, { tls: { ca } })).status === 200, 'SIGTERM')
  return {
    name: 'nginx',
    url,
    ca,
    caFile: cert,
    configTest,
    output: () => output() + (existsSync(join(dir, 'error.log')) ? readFileSync(join(dir, 'error.log'), 'utf8') : ''),
    async stop() {
      if (proc.exitCode === null) proc.kill('SIGTERM')
      await proc.exited
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

/** The fenced ```lang block of docs/operations.md under the heading `heading`. */
export function docsSnippet(heading: string, lang: string): string {
  const doc = readFileSync(join(ROOT, 'docs', 'operations.md'), 'utf8')
  const section = doc.slice(doc.indexOf(`## ${heading}`))
  const match = new RegExp(`\`\`\`${lang}\\n([\\s\\S]*?)\`\`\``).exec(section)
  if (!match) throw new Error(`docs/operations.md has no ${lang} block under "${heading}"`)
  return match[1]!
}

/** A built single-page app as the docs assume it: index.html plus hashed assets, readable by nginx's workers. */
export function fakeFrontend(): string {
  const dir = mkdtempSync(join(tmpdir(), 'crm-frontend-'))
  chmodSync(dir, 0o755)
  mkdirSync(join(dir, 'assets'), { mode: 0o755 })
  writeFileSync(
    join(dir, 'index.html'),
    '<!doctype html><title>CRM</title><div id="root"></div><script type="module" src="/assets/index-4f2a.js"></script>\n',
    { mode: 0o644 },
  )
  writeFileSync(join(dir, 'assets', 'index-4f2a.js'), 'console.log("crm")\n', { mode: 0o644 })
  return dir
}
