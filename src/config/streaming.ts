/** Live-token settings: where model calls' text travels between workers and API processes. */
import { UserError } from '../contracts/errors';

type Env = Record<string, string | undefined>;

export interface TokenStreamSettings {
  /** PostgreSQL URL of the token broker (LISTEN/NOTIFY); unset: tokens stay in the process that wrote them. */
  url?: string;
}

/** AGENT_TOKEN_STREAM_URL: a `postgres://` or `postgresql://` URL shared by every worker and API process. */
export function tokenStreamFromEnv(env: Env = process.env): TokenStreamSettings {
  const url = env.AGENT_TOKEN_STREAM_URL?.trim();
  if (!url) return {};
  if (!/^postgres(ql)?:\/\//.test(url)) {
    // The value is not echoed: a database URL carries its password.
    throw new UserError('AGENT_TOKEN_STREAM_URL must be a postgres:// or postgresql:// URL (the token broker)');
  }
  return { url };
}
