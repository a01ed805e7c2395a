/** A user's name as stored: first and last name, and the full name kept equal to them joined. */
export interface UserNames {
  fullName: string
  firstName: string
  lastName: string
}

/** The name fields a client may send; any subset. */
export interface NameInput {
  fullName?: string
  firstName?: string
  lastName?: string
}

/** "Ada King Lovelace" → first "Ada", last "King Lovelace". */
export function splitFullName(fullName: string): { firstName: string; lastName: string } {
  const trimmed = fullName.trim().replace(/\s+/g, ' ')
  const space = trimmed.indexOf(' ')
  return space === -1 ? { firstName: trimmed, lastName: '' } : { firstName: trimmed.slice(0, space), lastName: trimmed.slice(space + 1) }
}

function joinNames(firstName: string, lastName: string): string {
  return [firstName, lastName].filter(Boolean).join(' ')
}

/**
 * The stored names after a change, or undefined when no name field was sent.
 * First and last name win when sent (the full name follows them); a full name
 * sent alone is split at its first space.
 */
export function namesAfter(input: NameInput, current: UserNames = { fullName: '', firstName: '', lastName: '' }): UserNames | undefined {
  const first = input.firstName?.trim()
  const last = input.lastName?.trim()
  if (first !== undefined || last !== undefined) {
    const firstName = first ?? current.firstName
    const lastName = last ?? current.lastName
    return { firstName, lastName, fullName: joinNames(firstName, lastName) }
  }
  if (input.fullName !== undefined) {
    const fullName = input.fullName.trim().replace(/\s+/g, ' ')
    return { fullName, ...splitFullName(fullName) }
  }
  return undefined
}
