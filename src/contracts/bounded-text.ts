/**
 * Bounds on what a run keeps in its own state. A step's summary may be a whole tool output (a 256 KB file
 * read, a 100 000-character MCP result) or a model's arguments; kept whole in state, fifty of them push the
 * run's result, its `state` query and its continue-as-new input past Temporal's 2 MB payload limit. The full
 * value is in history already (the activity's input or result), so state keeps only its head.
 */

/** Characters of a step summary, an error or a carried text kept in state, results, queries and carry-over. */
export const STATE_TEXT_CHARS = 2_000;

/**
 * `text` cut to at most `max` characters, saying how much was cut and where the rest is; unchanged when it fits.
 * The note counts against `max`, so bounding a bounded text changes nothing (state records are bounded again
 * when they are carried over). Pure and deterministic, so the workflow trims the same way on every replay.
 */
export function boundedText(text: string, max = STATE_TEXT_CHARS): string {
  if (text.length <= max) return text;
  // The note's length depends on the count it shows; a count with as many digits as the whole text is enough.
  const noteFor = (cut: number) => `… (${cut} more characters in the run's history)`;
  const keep = Math.max(0, max - noteFor(text.length).length);
  return `${text.slice(0, keep)}${noteFor(text.length - keep)}`;
}

/** A copy of a record with its `summary` bounded; the same object when nothing needed cutting. */
export function withBoundedSummary<T extends { summary?: string }>(record: T): T {
  return record.summary !== undefined && record.summary.length > STATE_TEXT_CHARS
    ? { ...record, summary: boundedText(record.summary) }
    : record;
}
