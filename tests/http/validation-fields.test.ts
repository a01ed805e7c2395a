import { expect, test } from 'bun:test'
import { errorBody, errorFields, useTestApp } from '../helpers/harness'

const testApp = useTestApp('sqlite', { roles: ['superuser'] })
const { superuser: boss } = testApp.users

test.each([
  ['/api/v2/admin/users?page_size=500', 'page_size'],
  ['/api/v2/admin/users?page=0', 'page'],
  ['/api/v2/admin/users?page=1&page_size=0', 'page_size'],
  ['/api/v2/admin/audit?user_id=0', 'user_id'],
  ['/api/v2/customers?page_size=501', 'page_size'],
  ['/api/v2/communications/history?page=abc', 'page'],
])('422 for %s names %s', async (path, field) => {
  const response = await testApp.request('GET', path, { token: boss.token })
  expect(response.status).toBe(422)
  const body = await errorBody(response)
  expect(body.detail).toBe('Request validation failed')
  expect((body.errors ?? []).map((e) => e.field)).toContain(field)
})

test.each([
  ['/api/v2/customers?page=1&page_size=0', ['page_size']],
  ['/api/v2/admin/audit?page=1&page_size=0', ['page_size']],
  ['/api/v2/admin/audit?user_id=-5', ['user_id']],
  ['/api/v2/admin/audit?user_id=2147483648', ['user_id']],
  ['/api/v2/communications/history?page=2&page_size=201', ['page_size']],
])('422 for %s names exactly %p', async (path, fields) => {
  const response = await testApp.request('GET', path, { token: boss.token })
  expect(response.status).toBe(422)
  expect(await errorFields(response)).toEqual(fields)
})
