/**
 * Provider errors as Temporal failures with stable types. Retryable only for 408/409/429/5xx/529 and
 * connection problems; a 429's retry-after becomes the next retry delay. The original error is kept as the
 * cause, and no message carries a key or the request body.
 */
import { ApplicationFailure } from '@temporalio/activity';
import { ErrorType } from '../../contracts/errors';
import { redactedError, redactText } from '../../security/redaction';

interface HttpLikeError {
  status?: number;
  headers?: Headers | Record<string, string | null | undefined>;
  code?: string | null;
  type?: string | null;
  error?: unknown;
  message?: string;
  name?: string;
}

function header(headers: HttpLikeError['headers'], name: string): string | undefined {
  if (!headers) return undefined;
  if (typeof (headers as Headers).get === 'function') return (headers as Headers).get(name) ?? undefined;
  const value = (headers as Record<string, string | null | undefined>)[name];
  return value ?? undefined;
}

/** Reads `retry-after-ms`, then `retry-after` as seconds or as an HTTP date. Returns milliseconds. */
export function retryAfterMs(headers: HttpLikeError['headers'], now = Date.now()): number | undefined {
  const ms = Number(header(headers, 'retry-after-ms'));
  if (header(headers, 'retry-after-ms') !== undefined && Number.isFinite(ms) && ms >= 0) return ms;
  const after = header(headers, 'retry-after');
  if (after === undefined) return undefined;
  const seconds = Number(after);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(after);
  return Number.isFinite(date) ? Math.max(0, date - now) : undefined;
}

const contextLengthPattern = /context[_ ]length|context window|maximum context|too many tokens|prompt is too long/i;
const contentPolicyPattern = /content[_ ](policy|filter|management)|safety system/i;

function bodyMessage(err: HttpLikeError): string {
  const e = err.error as { message?: string; error?: { message?: string } } | undefined;
  return e?.error?.message ?? e?.message ?? err.message ?? 'unknown error';
}

export function toApplicationFailure(err: unknown, provider: string, model: string): ApplicationFailure {
  if (err instanceof ApplicationFailure) return err;
  const e = (err ?? {}) as HttpLikeError;
  // Providers echo the key in some auth errors; message and cause go to history, so both are censored.
  const cause = err instanceof Error ? redactedError(err) : undefined;
  const status = typeof e.status === 'number' ? e.status : undefined;
  const detail = redactText(bodyMessage(e));
  const code = `${e.code ?? ''} ${e.type ?? ''} ${(e.error as { error?: { type?: string } } | undefined)?.error?.type ?? ''}`;
  const fail = (type: ErrorType, nonRetryable: boolean, nextRetryDelay?: number): ApplicationFailure =>
    ApplicationFailure.create({
      type,
      message: `${provider} ${model}: ${status ? `HTTP ${status}: ` : ''}${detail}`,
      nonRetryable,
      ...(nextRetryDelay !== undefined ? { nextRetryDelay } : {}),
      ...(cause ? { cause } : {}),
    });

  if (status === undefined) {
    // No HTTP status: connection refused or reset, DNS, or a client-side timeout. Worth another attempt.
    return fail(ErrorType.ProviderUnavailable, false);
  }
  if (status === 429) return fail(ErrorType.RateLimited, false, retryAfterMs(e.headers));
  if (status === 401 || status === 403) return fail(ErrorType.AuthFailed, true);
  if (status === 408 || status === 409 || status >= 500)
    return fail(ErrorType.ProviderUnavailable, false, retryAfterMs(e.headers));
  if (contextLengthPattern.test(code) || contextLengthPattern.test(detail))
    return fail(ErrorType.ContextLengthExceeded, true);
  if (contentPolicyPattern.test(code) || contentPolicyPattern.test(detail)) return fail(ErrorType.ContentPolicy, true);
  return fail(ErrorType.InvalidRequest, true);
}
