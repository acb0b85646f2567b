/**
 * Follows a run's event stream (GET /v1/runs/{id}/events): run events make the page re-read the run, and the live
 * model text (`token.attempt` / `token` / `token.end`, docs/streaming.md) is kept per model call: a new attempt
 * replaces the text of the one before, so a retried call never shows two attempts mixed.
 */
import { useEffect, useState } from 'react';
import { readEvents } from './sse';

export interface LiveDraft {
  callId: string;
  model: string;
  attempt: number;
  text: string;
  /** Unset while the model writes. */
  outcome?: 'finished' | 'failed';
}

interface TokenData {
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

/**
 * The live drafts of the run and a counter that moves on every run event (step, approval, cost, end), which the
 * page uses to re-read the run. `ended` turns true at `run.ended`.
 */
export function useRunEvents(workflowId: string): { drafts: LiveDraft[]; changes: number; ended: boolean } {
  const [drafts, setDrafts] = useState<LiveDraft[]>([]);
  const [changes, setChanges] = useState(0);
  const [ended, setEnded] = useState(false);
  useEffect(() => {
    const abort = new AbortController();
    setDrafts([]);
    setEnded(false);
    readEvents(
      `/v1/runs/${encodeURIComponent(workflowId)}/events`,
      (message) => {
        if (message.event.startsWith('token')) {
          setDrafts((d) => applyToken(d, message.event, message.data as TokenData));
          return;
        }
        if (message.event === 'run.ended') setEnded(true);
        setChanges((c) => c + 1);
      },
      abort.signal,
    ).catch(() => undefined); // The page still polls the run; a dropped stream only loses live text.
    return () => abort.abort();
  }, [workflowId]);
  return { drafts, changes, ended };
}
