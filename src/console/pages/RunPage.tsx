/**
 * One run: status, cost and tokens, the live text while the model writes, pending approvals, the steps with timing
 * and cost, budget and routing, the transcript, the children as a tree, and the run in the Temporal Web UI. The
 * run is re-read on each event of its stream and every few seconds while it is open.
 */
import { useEffect } from 'react';
import { api } from '../api';
import { ApprovalCard } from '../components/ApprovalCard';
import { BudgetView } from '../components/BudgetView';
import { ChildTree } from '../components/ChildTree';
import { ErrorBox } from '../components/ErrorBox';
import { LiveText } from '../components/LiveText';
import { RoutingView } from '../components/RoutingView';
import { StepsTable } from '../components/StepsTable';
import { TranscriptView } from '../components/TranscriptView';
import { usd } from '../format';
import { usePolled } from '../hooks';
import { useRunEvents } from '../live';
import { useCan } from '../session';

const REFRESH_MS = 3000;

export function RunPage({ workflowId }: { workflowId: string }) {
  const live = useRunEvents(workflowId);
  const run = usePolled(() => api.run(workflowId), REFRESH_MS, [workflowId, live.changes]);
  const open = run.data?.status === 'running';
  const transcript = usePolled(() => api.transcript(workflowId), open ? REFRESH_MS : undefined, [
    workflowId,
    live.changes,
    open,
  ]);
  const canStart = useCan('runs:start');
  const { reload } = run;
  // Re-read once more when the stream says the run ended (its state then holds the final cost).
  useEffect(() => {
    if (live.ended) reload();
  }, [live.ended]);

  const state = run.data?.state;
  const webUi = run.data?.links.webUi ?? transcript.data?.webUiUrl;
  const cancel = (): void => {
    api.cancel(workflowId).then(reload, () => reload());
  };
  return (
    <>
      <h1>
        Run <code>{workflowId}</code>
      </h1>
      <ErrorBox error={run.error} />
      {run.data && (
        <section aria-labelledby="summary-heading" className="summary">
          <h2 id="summary-heading">Summary</h2>
          <dl>
            <dt>Agent or graph</dt>
            <dd>
              {state?.agent ?? state?.graph ?? '—'} <span className="muted">({run.data.workflowType})</span>
            </dd>
            <dt>Status</dt>
            <dd>
              <span className="status" data-testid="run-status">
                {state?.status ?? run.data.status}
              </span>
              {state?.status && state.status !== run.data.status ? ` (workflow ${run.data.status})` : ''}
            </dd>
            {state?.model && (
              <>
                <dt>Model</dt>
                <dd>{state.model}</dd>
              </>
            )}
            <dt>Tokens</dt>
            <dd>
              {state
                ? `${state.cost.totalTokens} (${state.usage.inputTokens} in / ${state.usage.outputTokens} out)`
                : '—'}
            </dd>
            <dt>Cost</dt>
            <dd data-testid="run-cost">{usd(state?.cost.totalUsd)}</dd>
            {state?.error && (
              <>
                <dt>Error</dt>
                <dd className="error-text">{state.error}</dd>
              </>
            )}
          </dl>
          {run.data.stateProblem && <p className="muted">{run.data.stateProblem}</p>}
          <p>
            {webUi && (
              <a href={webUi} target="_blank" rel="noreferrer">
                Open in the Temporal Web UI
              </a>
            )}{' '}
            {open && canStart && (
              <button type="button" className="danger" onClick={cancel}>
                Cancel run
              </button>
            )}
          </p>
        </section>
      )}
      <LiveText drafts={live.drafts} />
      {state && state.pendingApprovals.length > 0 && (
        <section aria-labelledby="pending-heading">
          <h2 id="pending-heading">Pending approvals</h2>
          {state.pendingApprovals.map((a) => (
            <ApprovalCard key={a.approvalId} workflowId={workflowId} {...a} onDecided={reload} />
          ))}
        </section>
      )}
      {state && state.steps.length > 0 && <StepsTable steps={state.steps} items={transcript.data?.items ?? []} />}
      {state?.budget && <BudgetView budget={state.budget} />}
      {(transcript.data?.routing ?? state?.decisions ?? []).length > 0 && (
        <RoutingView decisions={transcript.data?.routing ?? state?.decisions ?? []} />
      )}
      <section aria-labelledby="transcript-heading">
        <h2 id="transcript-heading">Transcript</h2>
        <ErrorBox error={transcript.error} />
        {transcript.data && <TranscriptView transcript={transcript.data} />}
      </section>
      {transcript.data && transcript.data.children.length > 0 && (
        <section aria-labelledby="children-heading">
          <h2 id="children-heading">Children</h2>
          <ChildTree items={transcript.data.children} />
        </section>
      )}
    </>
  );
}
