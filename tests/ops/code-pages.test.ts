import { expect, test } from 'bun:test'
import { realpathSync } from 'node:fs'
import { executableCodeMappings, releaseCodePages } from '../../src/code-pages'

const MAPS = `00200000-01a39000 r--p 00000000 fe:00 5312927                            /opt/crm/crm-api
01a40000-0684a000 r-xp 01838000 fe:00 5312927                            /opt/crm/crm-api
06867000-07ae5000 rw-p 0665e000 fe:00 5312927                            /opt/crm/crm-api
07b00000-07b10000 r-xp 00000000 fe:00 1                                  /opt/crm/crm-api-other
7fa010d21000-7fa010e77000 r-xp 00026000 fe:00 339380                     /usr/lib/x86_64-linux-gnu/libc.so.6
7fa010f00000-7fa010f10000 r-xp 00000000 00:00 0
7fa011000000-7fa011010000 rwxp 00000000 00:00 0                          /opt/crm/crm-api`

test("only the executable's own read-only machine code is chosen", () => {
  expect(executableCodeMappings(MAPS, '/opt/crm/crm-api')).toEqual([{ start: 0x01a40000, end: 0x0684a000 }])
})

test('a path with spaces is matched whole', () => {
  const maps = '01a40000-01a50000 r-xp 00000000 fe:00 1                            /opt/my crm/crm-api'
  expect(executableCodeMappings(maps, '/opt/my crm/crm-api')).toEqual([{ start: 0x01a40000, end: 0x01a50000 }])
  expect(executableCodeMappings(maps, '/opt/my')).toEqual([])
})

test.skipIf(process.platform !== 'linux')('on Linux the running executable hands its code pages back and keeps running', async () => {
  const rssFile = () => Number(/RssFile:\s+(\d+)/.exec(require('node:fs').readFileSync('/proc/self/status', 'utf8'))?.[1] ?? NaN)
  const mappings = executableCodeMappings(require('node:fs').readFileSync('/proc/self/maps', 'utf8'), realpathSync(process.execPath))
  expect(mappings.length).toBeGreaterThan(0)
  const before = rssFile()
  const released = releaseCodePages()
  const after = rssFile()
  expect(released).toBe(mappings.reduce((sum, m) => sum + m.end - m.start, 0))
  expect(after).toBeLessThan(before)
  // Code runs on: compiled work, I/O and a fresh module still behave.
  expect(JSON.parse(JSON.stringify({ a: [1, 2, 3] }))).toEqual({ a: [1, 2, 3] })
  await Bun.sleep(5)
  expect(await new Response('still here').text()).toBe('still here')
})
