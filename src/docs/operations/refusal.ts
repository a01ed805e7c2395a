import type { ResponseDoc } from './types'

/** An error answer: when it is given, and the `{detail}` it then carries. */
export function refusal(description: string, detail: string): ResponseDoc {
  return { description, example: { detail } }
}
