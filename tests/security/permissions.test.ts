import { beforeAll, expect, test } from 'bun:test'
import { Elysia, t as schema } from 'elysia'
import { describeEachDialect, expectBody, useTestApp, type TestApp, type TestUser } from '../helpers/harness'
import { authPlugin } from '../../src/auth/plugin'
import { errorHandler } from '../../src/http/error-handler'
import { requestContext } from '../../src/http/request-context'
import { hasPermission, PERMISSIONS, ROLES, type Permission, type Role } from '../../src/auth/permissions'

/** The documented permission table (docs/auth.md), written out independently of src/auth/permissions.ts. */
const DOCUMENTED_TABLE: Record<Permission, Role[]> = {
  send_sms: ['user', 'admin', 'superuser'],
  send_email: ['user', 'admin', 'superuser'],
  view_customers: ['user', 'admin', 'superuser'],
  edit_customers: ['user', 'admin', 'superuser'],
  delete_customers: ['admin', 'superuser'],
  view_all_communications: ['admin', 'superuser'],
  admin_panel: ['admin', 'superuser'],
  manage_users: ['superuser'],
}

/** Real routes of this module for the permissions they guard. */
const REAL_ROUTES: [Permission, string, string][] = [
  ['manage_users', 'GET', '/api/v2/admin/users'],
  ['admin_panel', 'GET', '/api/v2/admin/stats'],
  ['admin_panel', 'GET', '/api/v2/admin/audit'],
]

/**
 * Routes of other modules are represented by probe routes that use the real
 * auth plugin and its macros over the same context (same keys, same database).
 */
function probeApp(testApp: TestApp) {
  const ctx = testApp.ctx
  const app = new Elysia({ seed: `probe-${ctx.id}` })
    .use(errorHandler(ctx, () => []))
    .use(requestContext(ctx))
    .use(authPlugin(ctx))
    .post('/probe/role-admin', ({ user }) => ({ id: user.id }), { role: 'admin', body: schema.Object({ x: schema.String() }) })
  // Elysia registers routes on the instance itself, so the loop needs no reassignment.
  for (const permission of PERMISSIONS) {
    app.post(`/probe/${permission}`, ({ user }) => ({ id: user.id, role: user.role }), {
      permission,
      body: schema.Object({ x: schema.String() }),
    })
  }
  return (path: string, token: string, body: unknown) =>
    app.handle(
      new Request(`http://localhost${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      }),
    )
}

describeEachDialect('permissions: every permission for every role', (dialect) => {
  const testApp = useTestApp(dialect)
  let users: Record<Role, TestUser>
  let probe: ReturnType<typeof probeApp>
  beforeAll(async () => {
    users = {
      user: await testApp.createUser('user'),
      admin: await testApp.createUser('admin'),
      superuser: await testApp.createUser('superuser'),
    }
    probe = probeApp(testApp)
  })

  test('the permission table is exactly the documented one', () => {
    for (const permission of PERMISSIONS)
      for (const role of ROLES)
        expect(`${role}:${permission}:${hasPermission(role, permission)}`).toBe(
          `${role}:${permission}:${DOCUMENTED_TABLE[permission].includes(role)}`,
        )
    expect([...PERMISSIONS].sort() as string[]).toEqual(Object.keys(DOCUMENTED_TABLE).sort())
  })

  for (const permission of PERMISSIONS) {
    for (const role of ROLES) {
      const allowed = DOCUMENTED_TABLE[permission].includes(role)
      test(`${role} ${allowed ? 'has' : 'lacks'} ${permission} (macro route)`, async () => {
        const ok = await probe(`/probe/${permission}`, users[role].token, { x: 'y' })
        expect(ok.status).toBe(allowed ? 200 : 403)
        if (!allowed) expect(await ok.json()).toEqual({ detail: `Permission denied: requires ${permission}` })
        // The check runs before the body is validated: a denied caller never sees 422.
        const invalid = await probe(`/probe/${permission}`, users[role].token, { x: 42 })
        expect(invalid.status).toBe(allowed ? 422 : 403)
      })
    }
  }

  for (const [permission, method, path] of REAL_ROUTES) {
    for (const role of ROLES) {
      const allowed = DOCUMENTED_TABLE[permission].includes(role)
      test(`${role} ${method} ${path}: ${allowed ? 200 : 403}`, async () => {
        const response = await testApp.request(method, path, { token: users[role].token })
        expect(response.status).toBe(allowed ? 200 : 403)
        if (!allowed) expect(await response.json()).toEqual({ detail: `Permission denied: requires ${permission}` })
      })
    }
  }

  test('the role macro orders user < admin < superuser', async () => {
    expect((await probe('/probe/role-admin', users.user.token, { x: 'y' })).status).toBe(403)
    expect((await probe('/probe/role-admin', users.admin.token, { x: 'y' })).status).toBe(200)
    expect((await probe('/probe/role-admin', users.superuser.token, { x: 'y' })).status).toBe(200)
  })

  test('denials are audited with who, what and where', async () => {
    await testApp.request('GET', '/api/v2/admin/users', { token: users.admin.token })
    const denied = await testApp.client(users.superuser).api.v2.admin.audit.get({ query: { action: 'permission.denied' } })
    const audit = expectBody(denied, 200)
    expect(
      audit.items.some(
        (row) => row.user_id === users.admin.id && row.target === 'GET /api/v2/admin/users' && row.details.required === 'manage_users',
      ),
    ).toBe(true)
  })
})
