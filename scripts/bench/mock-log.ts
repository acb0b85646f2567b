/** Readings of the mock LLM server's request log shared by the bench phases. */
import type { MockRequestLogEntry } from '../../src/servers/mock-llm/server';

/**
 * Completed model calls that were sent again: the same conversation (scenario and request hash, which covers the
 * whole message list) at the same turn answered `ok` more than once. Interrupted or failed attempts do not count.
 */
export function duplicateCompletedCalls(entries: ReadonlyArray<MockRequestLogEntry>): number {
  const completed = new Map<string, number>();
  for (const e of entries) {
    if (e.outcome !== 'ok') continue;
    const key = `${e.scenario}|${e.turn}|${e.requestHash}`;
    completed.set(key, (completed.get(key) ?? 0) + 1);
  }
  let duplicates = 0;
  for (const count of completed.values()) duplicates += count - 1;
  return duplicates;
}

/** The most model calls the mock was answering at once. */
export function maxInFlight(entries: ReadonlyArray<MockRequestLogEntry>): number {
  return entries.reduce((max, e) => Math.max(max, e.inFlight), 0);
}

export const entriesOf = (entries: ReadonlyArray<MockRequestLogEntry>, scenario: string): MockRequestLogEntry[] =>
  entries.filter((e) => e.scenario === scenario);
