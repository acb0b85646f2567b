/**
 * Text helpers shared by the client and agentctl. Values read from a run (a step summary, a tool's output, a
 * graph state value) are JSON of any shape: a tool may return an object, so each helper takes any value and
 * renders what is not a string as JSON rather than failing or printing `[object Object]`.
 */

/** Any JSON value as text: strings unchanged, everything else as compact JSON (`undefined` as empty text). */
export function textOf(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === undefined || value === null) return '';
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    // A circular value cannot come from a payload, but a caller's own object might be one.
    return String(value);
  }
}

/** Collapses newlines and runs of spaces so the text stays on one line. */
export function oneLine(value: unknown): string {
  return textOf(value).replace(/\s+/g, ' ').trim();
}

/** Cuts text to `max` characters, marking the cut with an ellipsis. */
export function truncate(value: unknown, max: number): string {
  const text = textOf(value);
  if (max <= 1) return text.slice(0, Math.max(0, max));
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
