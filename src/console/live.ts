/**
 * Follows a run's event stream (GET /v1/runs/{id}/events): run events make the page re-read the run, and the live
 * model text (`token.attempt` / `token` / `token.end`) is kept per model call by live-drafts.ts.
 */
import { useEffect, useState } from 'react';
import { applyToken, type LiveDraft, type TokenData } from './live-drafts';
import { readEvents } from './sse';

export type { LiveDraft };

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
