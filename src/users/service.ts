import { asc, count, eq } from 'drizzle-orm'
import type { Database } from '../db/client'
import { onlyRow } from '../db/rows'
import type { Role } from '../auth/permissions'
import { hashPassword } from '../auth/passwords'
import { ResetTokens } from '../auth/reset-tokens'
import { Conflict } from '../http/errors'
import { namesAfter, type NameInput } from './names'

export interface NewUser extends NameInput {
  email: string
  password: string
  role: Role
}

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase()
}

function isUniqueViolation(error: unknown): boolean {
  const text = `${(error as { code?: string })?.code ?? ''} ${(error as Error)?.message ?? ''} ${String((error as { cause?: unknown })?.cause ?? '')}`
  return /UNIQUE constraint|unique constraint|23505|SQLITE_CONSTRAINT_UNIQUE/i.test(text)
}

export class UserService {
  constructor(private readonly database: Database) {}

  async create(input: NewUser) {
    const { users } = this.database.tables
    const email = normalizeEmail(input.email)
    const hashedPassword = await hashPassword(input.password)
    const names = namesAfter(input) ?? { fullName: '', firstName: '', lastName: '' }
    try {
      const rows = await this.database.db
        .insert(users)
        .values({
          email,
          ...names,
          hashedPassword,
          role: input.role,
          isSuperuser: input.role === 'superuser',
          createdAt: new Date(),
          updatedAt: new Date(),
        })
        .returning()
      return onlyRow(rows)
    } catch (error) {
      if (isUniqueViolation(error)) throw new Conflict('Email already registered')
      throw error
    }
  }

  async findByEmail(email: string) {
    const { users } = this.database.tables
    const [row] = await this.database.db
      .select()
      .from(users)
      .where(eq(users.email, normalizeEmail(email)))
    return row
  }

  async findById(id: number) {
    const { users } = this.database.tables
    const [row] = await this.database.db.select().from(users).where(eq(users.id, id))
    return row
  }

  async setPassword(id: number, password: string): Promise<void> {
    const { users } = this.database.tables
    const hashedPassword = await hashPassword(password)
    await this.database.db.update(users).set({ hashedPassword, updatedAt: new Date() }).where(eq(users.id, id))
    // A reset link must not outlive the password it was meant to replace.
    await new ResetTokens(this.database).revokeAll(id)
  }

  async list(page: number, pageSize: number) {
    const { users } = this.database.tables
    const [rows, [total]] = await Promise.all([
      this.database.db
        .select()
        .from(users)
        .orderBy(asc(users.id))
        .limit(pageSize)
        .offset((page - 1) * pageSize),
      this.database.db.select({ value: count() }).from(users),
    ])
    return { rows, total: total?.value ?? 0 }
  }

  async count(): Promise<number> {
    const { users } = this.database.tables
    return this.database.db.$count(users)
  }
}
