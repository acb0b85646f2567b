/**
 * The token broker for one process (API and worker together, `npm run dev`, tests): calls in flight are kept
 * in memory, so a late subscriber gets the text so far.
 */
import type { TokenCall, TokenEvent } from '../contracts/tokens';
import { SubscriberView, type AttemptStream, type TokenBroker, type TokenSubscription } from './broker';

interface LiveCall {
  call: TokenCall;
  attempt: number;
  text: string;
}

export function createInProcessTokenBroker(): TokenBroker {
  const live = new Map<string, LiveCall>();
  const subscribers = new Map<string, Set<SubscriberView>>();

  function emit(event: TokenEvent): void {
    for (const view of subscribers.get(event.workflowId) ?? []) view.apply(event);
  }

  return {
    startAttempt(call, attempt): AttemptStream {
      const key = `${call.workflowId}/${call.runId}/${call.callId}`;
      const entry: LiveCall = { call, attempt, text: '' };
      const current = live.get(key);
      if (!current || current.attempt <= attempt) live.set(key, entry);
      emit({ ...call, type: 'token.attempt', attempt });
      return {
        text(piece) {
          if (!piece) return;
          const offset = entry.text.length;
          entry.text += piece;
          emit({ ...call, type: 'token', attempt, offset, text: piece });
        },
        async end(outcome) {
          if (live.get(key) === entry) live.delete(key);
          emit({ ...call, type: 'token.end', attempt, outcome });
        },
      };
    },
    async subscribe(workflowId, listener): Promise<TokenSubscription> {
      const view = new SubscriberView(listener);
      for (const entry of live.values()) {
        if (entry.call.workflowId !== workflowId) continue;
        view.apply({ ...entry.call, type: 'token', attempt: entry.attempt, offset: 0, text: entry.text });
      }
      const set = subscribers.get(workflowId) ?? new Set();
      set.add(view);
      subscribers.set(workflowId, set);
      return {
        async close() {
          set.delete(view);
          if (set.size === 0) subscribers.delete(workflowId);
        },
      };
    },
    async close() {
      subscribers.clear();
      live.clear();
    },
  };
}
