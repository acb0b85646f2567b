/**
 * The live text of a run's model calls, one draft per call, from the token events (docs/streaming.md): a new
 * attempt replaces the text of the one before, a piece continues its attempt at its offset (a late joiner's first
 * piece is the text so far at offset 0), and a stale attempt's piece is ignored, so two attempts never mix. Pure,
 * so it is unit tested without a browser.
 */

export interface LiveDraft {
  callId: string;
  model: string;
  attempt: number;
  text: string;
  /** Unset while the model writes. */
  outcome?: 'finished' | 'failed';
}

export interface TokenData {
  callId: string;
  model: string;
  attempt: number;
  offset?: number;
  text?: string;
  outcome?: 'finished' | 'failed';
}

/** Applies one token event to the drafts (a pure step, so React state updates stay simple). */
export function applyToken(drafts: LiveDraft[], type: string, data: TokenData): LiveDraft[] {
  const others = drafts.filter((d) => d.callId !== data.callId);
  const current = drafts.find((d) => d.callId === data.callId);
  if (type === 'token.attempt') {
    return [...others, { callId: data.callId, model: data.model, attempt: data.attempt, text: '' }];
  }
  if (current && data.attempt < current.attempt) return drafts; // a stale attempt's piece
  const base =
    current && current.attempt === data.attempt
      ? current
      : { callId: data.callId, model: data.model, attempt: data.attempt, text: '' };
  if (type === 'token') {
    const offset = data.offset ?? base.text.length;
    // A late joiner's first piece is the text so far at offset 0; later pieces continue at their offset.
    const text = base.text.slice(0, offset) + (data.text ?? '');
    return [...others, { ...base, text }];
  }
  if (type === 'token.end' && data.outcome) return [...others, { ...base, outcome: data.outcome }];
  return drafts;
}
