/**
 * An error the user can cause and fix (bad path, bad model folder, bad CSV...). Its message is
 * one sentence meant for them; the CLI prints it without a stack trace and exits non-zero.
 */
export class UserError extends Error {}
