/**
 * Identifier types shared by every layer. Plain strings at run time; the aliases document intent.
 * Node ids and capture ids end up in file names, so they are validated by {@link isSafeId}.
 */
export type NodeId = string;
export type CaptureId = string;
export type RuleId = `${string}/${string}`;

/** A node id or capture id that is safe as one path segment: no slash, no dot-dot, no spaces. */
export const SAFE_ID = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,127}$/;

export const isSafeId = (value: string): boolean => SAFE_ID.test(value) && !value.includes('..');
