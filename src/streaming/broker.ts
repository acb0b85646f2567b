/**
 * The token broker: how the model activity hands text to subscribers (the HTTP API, agentctl watch --tokens).
 * In process when API and worker share one process; through PostgreSQL LISTEN/NOTIFY when they do not.
 * Tokens are best effort by design: the whole message reaches the workflow through the activity result, so a
 * broker that fails loses live text, never a run.
 */
import type { TokenCall, TokenEvent } from '../contracts/tokens';

/** The publishing side of one attempt of one model call. */
export interface AttemptStream {
  /** Text the model just wrote. Never throws and never waits: publishing must not slow the call down. */
  text(piece: string): void;
  /** The attempt ended; resolves once what was published has left (bounded, never rejects). */
  end(outcome: 'finished' | 'failed'): Promise<void>;
}

export interface TokenSubscription {
  close(): Promise<void>;
}

export interface TokenBroker {
  /** Starts publishing attempt `attempt` of a call; subscribers are told the attempt began. */
  startAttempt(call: TokenCall, attempt: number): AttemptStream;
  /**
   * Follows every model call of a workflow id (all its runs). A subscriber that joins mid-call first gets the
   * text so far (a `token.attempt` and one `token` at offset 0), then live pieces; nothing twice, nothing lost.
   */
  subscribe(workflowId: string, listener: (event: TokenEvent) => void): Promise<TokenSubscription>;
  close(): Promise<void>;
}

/** The calls of one workflow id as a subscriber knows them: the attempt it follows and how much text it has. */
export class SubscriberView {
  private readonly calls = new Map<string, { attempt: number; length: number; ended: boolean }>();

  constructor(private readonly listener: (event: TokenEvent) => void) {}

  private static key(call: TokenCall): string {
    return `${call.runId}/${call.callId}`;
  }

  /**
   * Applies what the broker says about a call and passes on only what the subscriber has not seen. Returns
   * `gap` when text arrived past what the subscriber has (it missed a piece): the caller re-reads the call.
   */
  apply(event: TokenEvent): 'ok' | 'gap' {
    const key = SubscriberView.key(event);
    const known = this.calls.get(key);
    if (known && event.attempt < known.attempt) return 'ok'; // a stale attempt (a zombie worker): ignore it
    if (!known || event.attempt > known.attempt) {
      this.calls.set(key, { attempt: event.attempt, length: 0, ended: false });
      const { type: _type, ...call } = event;
      this.listener({ ...pick(call), type: 'token.attempt', attempt: event.attempt });
      if (event.type === 'token.attempt') return 'ok';
    }
    const view = this.calls.get(key) as { attempt: number; length: number; ended: boolean };
    if (event.type === 'token.attempt') return 'ok';
    if (event.type === 'token.end') {
      if (!view.ended) {
        view.ended = true;
        this.listener(event);
      }
      return 'ok';
    }
    if (event.offset > view.length) return 'gap';
    const fresh = event.text.slice(view.length - event.offset);
    if (!fresh) return 'ok';
    this.listener({ ...event, offset: view.length, text: fresh });
    view.length += fresh.length;
    return 'ok';
  }
}

function pick(call: TokenCall): TokenCall {
  return { workflowId: call.workflowId, runId: call.runId, callId: call.callId, model: call.model };
}
