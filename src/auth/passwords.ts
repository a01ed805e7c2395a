/** argon2id through Bun.password. */
export function hashPassword(password: string): Promise<string> {
  return Bun.password.hash(password, { algorithm: 'argon2id' })
}

export async function verifyPassword(password: string, hash: string): Promise<boolean> {
  try {
    return await Bun.password.verify(password, hash)
  } catch {
    return false
  }
}

export const MIN_PASSWORD_LENGTH = 10

/** Why a password is unacceptable, or undefined (SPEC 4: ≥ 10 characters, not the email). */
export function passwordProblem(password: string, email: string): string | undefined {
  if ([...password].length < MIN_PASSWORD_LENGTH) return `Password must be at least ${MIN_PASSWORD_LENGTH} characters`
  if (password.trim().toLowerCase() === email.trim().toLowerCase()) return 'Password must not be the email address'
  if (password.length > 1024) return 'Password must be at most 1024 characters'
  return undefined
}
