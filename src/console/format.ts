/** Display helpers shared by the pages. */

export function usd(value: number | undefined): string {
  if (value === undefined) return '—';
  return `$${value < 0.01 && value > 0 ? value.toFixed(6) : value.toFixed(4)}`;
}

export function when(iso: string | undefined): string {
  if (!iso) return '—';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString();
}

export function duration(ms: number | undefined): string {
  if (ms === undefined) return '—';
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

/** Pretty JSON of a value (or the text itself when it is a string holding JSON). */
export function pretty(value: unknown): string {
  if (typeof value === 'string') {
    try {
      return JSON.stringify(JSON.parse(value), null, 2);
    } catch {
      return value;
    }
  }
  return JSON.stringify(value, null, 2) ?? String(value);
}

export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
