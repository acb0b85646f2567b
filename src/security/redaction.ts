/**
 * Keeps secrets out of logs and failure messages. Two nets: field names that hold credentials
 * (`apiKey`, `authorization`, `password`, …) are censored whatever their value, and values that look like
 * credentials (`sk-…` provider keys, bearer tokens) or equal a secret the worker was configured with are
 * censored wherever they appear in text.
 */

export const REDACTED = '[redacted]';

/** Field names whose values are credentials. Deliberately narrow: `inputTokens` is not a secret. */
const SECRET_FIELD =
  /^(?:.*(?:api[-_]?key|secret|password|passphrase|private[-_]?key)|authorization|proxy-authorization|x-api-key|token|access[-_]?token|auth[-_]?token|refresh[-_]?token|bearer|cookie|signature)$/i;

/** Provider keys (OpenAI `sk-…`, `sk-proj-…`, Anthropic `sk-ant-…`) and bearer credentials. */
const SECRET_PATTERNS: RegExp[] = [/\bsk-[A-Za-z0-9_-]{8,}/g, /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/-]{8,}=*/gi];

/** Credentials in URLs: the password of `scheme://user:password@host` and secret-named query parameters. */
const URL_PATTERNS: [RegExp, string][] = [
  [/\b([a-z][a-z0-9+.-]*:\/\/[^\s:/@]+:)[^\s@/]+@/gi, `$1${REDACTED}@`],
  [/([?&](?:[a-z0-9_-]*(?:key|token|secret|password|signature|sig|auth))=)[^\s&#"']+/gi, `$1${REDACTED}`],
];

/** `name=value` and `name: value` pairs whose name says secret (`API_KEY=…`, `password: …`), as in stderr output. */
const SECRET_ASSIGNMENT =
  /\b([A-Za-z0-9_.-]*(?:api[-_]?key|secret|password|passwd|token|authorization)\s*[=:]\s*)("?)[^\s"',;&]{3,}\2/gi;

const known = new Set<string>();

/** Remembers configured secrets (provider keys, the approval secret) so their exact values are censored too. */
export function registerSecrets(values: Iterable<string | undefined>): void {
  // Placeholders such as "mock" or "not-needed" are not secrets and too short to censor safely.
  for (const v of values) if (v && v.length >= 12) known.add(v);
}

export function isSecretField(name: string): boolean {
  return SECRET_FIELD.test(name);
}

/** Censors every credential-like substring of a text. */
export function redactText(text: string): string {
  let out = text;
  for (const secret of known) if (out.includes(secret)) out = out.split(secret).join(REDACTED);
  for (const pattern of SECRET_PATTERNS) {
    out = out.replace(pattern, (match, scheme?: string) =>
      typeof scheme === 'string' && /^(bearer|basic)$/i.test(scheme) ? `${scheme} ${REDACTED}` : REDACTED,
    );
  }
  for (const [pattern, replacement] of URL_PATTERNS) out = out.replace(pattern, replacement);
  return out;
}

/**
 * Censors diagnostic text that came from outside the worker's code (an MCP server's stderr, a transport's
 * error naming a URL) before it enters a failure and so the run's history: everything `redactText` censors,
 * plus secret-named assignments such as `API_KEY=…` that a crashing server may print.
 */
export function redactDiagnostic(text: string): string {
  return redactText(text).replace(SECRET_ASSIGNMENT, `$1$2${REDACTED}$2`);
}

const MAX_DEPTH = 8;

/** A copy of `value` with secret fields and secret-looking strings censored; errors become plain objects. */
export function redactValue(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return redactText(value);
  if (value === null || typeof value !== 'object' || depth > MAX_DEPTH) return value;
  if (value instanceof Error) {
    const plain: Record<string, unknown> = { type: value.name, message: redactText(value.message) };
    if (value.stack) plain.stack = redactText(value.stack);
    for (const [k, v] of Object.entries(value)) plain[k] = isSecretField(k) ? REDACTED : redactValue(v, depth + 1);
    return plain;
  }
  if (Array.isArray(value)) return value.map((v) => redactValue(v, depth + 1));
  if (value instanceof Uint8Array || value instanceof Date) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = isSecretField(k) ? REDACTED : redactValue(v, depth + 1);
  return out;
}

/** An error with the same name and censored message and stack, for use as a failure's cause. */
export function redactedError(err: Error): Error {
  const copy = new Error(redactText(err.message));
  copy.name = err.name;
  copy.stack = err.stack ? redactText(err.stack) : copy.stack;
  return copy;
}
