/**
 * Live tokens of a run as an async iterator, from the token broker the client was given. Tokens are not part
 * of the run's Temporal history: the iterator ends when `signal` aborts (or the caller stops iterating), not
 * when the run ends; pair it with `events()` to know that.
 */
import type { TokenEvent } from '../contracts/tokens';
import type { TokenBroker } from '../streaming/broker';
import { AgentClientError, ClientErrorCode } from './errors';

export interface TokensOptions {
  /** Stops following. */
  signal?: AbortSignal;
  /** Called once the subscription is in place: from then on nothing the workers publish is missed. */
  onReady?: () => void;
}

export async function* runTokens(
  broker: TokenBroker | undefined,
  workflowId: string,
  options: TokensOptions = {},
): AsyncGenerator<TokenEvent> {
  if (!broker) {
    throw new AgentClientError(
      ClientErrorCode.TokensUnavailable,
      'no token broker: pass `tokens` to createAgentClient (or set AGENT_TOKEN_STREAM_URL where the CLI reads it)',
    );
  }
  const queue: TokenEvent[] = [];
  let wake: (() => void) | undefined;
  const subscription = await broker.subscribe(workflowId, (event) => {
    queue.push(event);
    wake?.();
  });
  options.onReady?.();
  const aborted = new Promise<void>((resolve) => {
    if (options.signal?.aborted) resolve();
    options.signal?.addEventListener('abort', () => resolve(), { once: true });
  });
  try {
    while (!options.signal?.aborted) {
      const next = queue.shift();
      if (next) {
        yield next;
        continue;
      }
      await Promise.race([new Promise<void>((resolve) => (wake = resolve)), aborted]);
      wake = undefined;
    }
  } finally {
    await subscription.close();
  }
}
