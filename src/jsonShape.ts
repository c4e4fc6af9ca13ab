/** Type guards for what JSON.parse gives, which is `unknown` until checked. */

/** A JSON object: `typeof` says "object" of null and of an array too. */
export const isJsonObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Any string, the empty one included. */
export const isString = (value: unknown): value is string => typeof value === 'string';

export const isNonEmptyString = (value: unknown): value is string => typeof value === 'string' && value.length > 0;
