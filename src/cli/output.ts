/**
 * Plain-text rendering for agentctl: aligned tables and the few number formats every command shares.
 * Pure functions returning strings, so commands decide where text goes and tests can read it.
 */
import type { Usage } from '../contracts/messages';
import { oneLine, textOf, truncate } from '../contracts/text';

export { oneLine, textOf, truncate };

/** One table column: its header and how a row becomes the cell text. */
export interface Column<Row> {
  header: string;
  value: (row: Row) => string;
  /** A flexible column is cut to fit the terminal width; the others keep their full text. */
  flex?: boolean;
  align?: 'left' | 'right';
}

/** Width available for a table: the terminal's when stdout is one, else a width that suits logs and pipes. */
export function outputWidth(stream: { columns?: number; isTTY?: boolean } = process.stdout): number {
  return stream.isTTY && stream.columns ? stream.columns : 160;
}

/**
 * Renders rows as an aligned table with a header line. Flexible columns share what width is left after
 * the fixed ones, and never shrink below their header.
 */
export function table<Row>(rows: readonly Row[], columns: readonly Column<Row>[], width = outputWidth()): string {
  const gap = '  ';
  const cells = rows.map((row) => columns.map((c) => oneLine(c.value(row))));
  const natural = columns.map((c, i) => Math.max(c.header.length, ...cells.map((r) => (r[i] ?? '').length)));
  const fixed =
    natural.reduce((sum, w, i) => (columns[i]?.flex ? sum : sum + w), 0) + gap.length * (columns.length - 1);
  const flexCount = columns.filter((c) => c.flex).length;
  const flexWidth = flexCount ? Math.max(0, Math.floor((width - fixed) / flexCount)) : 0;
  const widths = natural.map((w, i) =>
    columns[i]?.flex ? Math.max(columns[i]?.header.length ?? 0, Math.min(w, flexWidth)) : w,
  );

  const line = (values: readonly string[]): string =>
    values
      .map((v, i) => {
        const w = widths[i] ?? 0;
        const text = truncate(v, w);
        return columns[i]?.align === 'right' ? text.padStart(w) : text.padEnd(w);
      })
      .join(gap)
      .trimEnd();
  return [line(columns.map((c) => c.header)), ...cells.map(line)].join('\n');
}

/** Label/value lines with the values aligned: `status:  completed`. */
export function fields(entries: ReadonlyArray<readonly [string, string]>): string {
  const width = Math.max(...entries.map(([k]) => k.length + 1));
  return entries.map(([k, v]) => `${`${k}:`.padEnd(width)}  ${v}`).join('\n');
}

/** US dollars with six decimals: model calls cost fractions of a cent. */
export const usd = (amount: number): string => `$${amount.toFixed(6)}`;

/** Token totals: `2843 (2682 in, 161 out)`, with cached input tokens when there are any. */
export function tokens(usage: Usage): string {
  const total = usage.inputTokens + usage.outputTokens;
  const cached = usage.cachedInputTokens ? `, ${usage.cachedInputTokens} cached` : '';
  return `${total} (${usage.inputTokens} in${cached}, ${usage.outputTokens} out)`;
}

/** A timestamp in UTC to the second, the same in every terminal: `2026-11-22 14:03:07Z`. */
export function timestamp(date: Date | undefined): string {
  if (!date || Number.isNaN(date.getTime())) return '-';
  return `${date.toISOString().slice(0, 19).replace('T', ' ')}Z`;
}

/** Temporal reports statuses in capitals (`COMPLETED`); people read them better in lower case. */
export const statusName = (name: string): string => name.toLowerCase();

/** The Web UI page of a workflow; ids and namespaces are URL-encoded. */
export function webUiLink(webUiUrl: string, namespace: string, workflowId: string): string {
  return `${webUiUrl}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(workflowId)}`;
}

/** Pretty JSON for `--json` output and structured answers. */
export const json = (value: unknown): string => JSON.stringify(value, null, 2);
