/** A failure the user can fix: one line on stderr, no stack trace. */
export class CliError extends Error {}
