import { expect, test } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { serverCommand } from '../helpers/spawn'

// Drives the prompt through a real pseudo-terminal; python3's pty module is the portable way to get one.
const python = Bun.which('python3')

const DRIVER = `
import os, pty, sys, time, json
cmd = json.loads(sys.argv[1])
pid, fd = pty.fork()
if pid == 0:
    os.execvp(cmd[0], cmd)
out = b''
def read_until(marker, timeout=20, times=1):
    global out
    end = time.time() + timeout
    while out.count(marker) < times and time.time() < end:
        try:
            out += os.read(fd, 1024)
        except OSError:
            break
for n, answer in enumerate(sys.argv[2:]):
    read_until(b'assword: ', times=n + 1)
    os.write(fd, answer.encode() + b'\\r')
    out += b'|'
read_until(b'\\n', 20, times=3)
time.sleep(0.2)
try:
    while True:
        chunk = os.read(fd, 1024)
        if not chunk: break
        out += chunk
except OSError:
    pass
_, status = os.waitpid(pid, 0)
sys.stdout.write(json.dumps({'out': out.decode(errors='replace'), 'code': os.waitstatus_to_exitcode(status)}))
`

function prompt(dataDir: string, answers: string[]) {
  const command = serverCommand('source', ['user', 'create', '--email', 'tty@example.com', '--role', 'admin'])
  const result = Bun.spawnSync([python!, '-c', DRIVER, JSON.stringify(command), ...answers], {
    env: { PATH: process.env.PATH!, DATA_DIR: dataDir },
    cwd: dataDir,
  })
  return JSON.parse(result.stdout.toString()) as { out: string; code: number }
}

test.skipIf(!python)(
  'on a terminal the password is prompted twice without echo',
  () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'crm-cli-tty-'))
    try {
      const mismatch = prompt(dataDir, ['first password 1', 'other password 2'])
      expect(mismatch.code).not.toBe(0)
      expect(mismatch.out).toContain('the passwords do not match')

      const ok = prompt(dataDir, ['typed password 1', 'typed password 1'])
      expect(ok.out).toContain('Password: ')
      expect(ok.out).toContain('Repeat password: ')
      expect(ok.out).toContain('created user tty@example.com (role admin)')
      expect(ok.out).not.toContain('typed password')
      expect(ok.code).toBe(0)
    } finally {
      rmSync(dataDir, { recursive: true, force: true })
    }
  },
  60_000,
)
