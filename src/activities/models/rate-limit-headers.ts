/**
 * Providers report how much of the account's rate limit is left in response headers (OpenAI
 * `x-ratelimit-remaining-requests`, Anthropic `anthropic-ratelimit-tokens-remaining`, …). The model activity
 * logs them, so an operator sees the headroom next to the task-queue rate limit that caps it.
 */

type HeaderSource = Headers | Record<string, string | null | undefined> | undefined;

const RATE_LIMIT_HEADER = /^(x-ratelimit-|anthropic-ratelimit-|retry-after)/i;

/** The rate-limit headers of a response (or of a provider error), by lower-case name. */
export function rateLimitHeaders(headers: HeaderSource): Record<string, string> {
  const out: Record<string, string> = {};
  if (!headers) return out;
  const entries: Iterable<[string, string | null | undefined]> =
    typeof (headers as Headers).forEach === 'function' && typeof (headers as Headers).get === 'function'
      ? [...(headers as Headers).entries()]
      : Object.entries(headers as Record<string, string | null | undefined>);
  for (const [name, value] of entries) {
    if (value != null && RATE_LIMIT_HEADER.test(name)) out[name.toLowerCase()] = value;
  }
  return out;
}
