/** The approvals inbox: every pending approval across runs (GET /v1/approvals), each decided where it is shown. */
import { api } from '../api';
import { ApprovalCard } from '../components/ApprovalCard';
import { ErrorBox } from '../components/ErrorBox';
import { usePolled } from '../hooks';
import { Link, runHref } from '../router';

const REFRESH_MS = 3000;

export function Approvals() {
  const inbox = usePolled(() => api.approvals(), REFRESH_MS, []);
  return (
    <>
      <h1>Approvals</h1>
      <ErrorBox error={inbox.error} />
      {!inbox.data && !inbox.error && <p className="loading">Loading the inbox…</p>}
      {inbox.data && inbox.data.approvals.length === 0 && <p>Nothing waits for a decision.</p>}
      {inbox.data?.truncated && <p className="muted">Only the first runs awaiting approval are shown.</p>}
      {inbox.data?.approvals.map((a) => (
        <section
          key={`${a.workflowId}/${a.approvalId}`}
          className="inbox-entry"
          aria-label={`${a.what} in ${a.workflowId}`}
        >
          <h2>
            Run <Link to={runHref(a.workflowId)}>{a.workflowId}</Link>
            {a.childWorkflowId ? <span className="muted"> · raised in child {a.childWorkflowId}</span> : null}
          </h2>
          <ApprovalCard
            workflowId={a.workflowId}
            approvalId={a.approvalId}
            what={a.what}
            why={a.why}
            proposed={a.proposed}
            agent={a.agent}
            requestedAt={a.requestedAt}
            argumentsSchema={a.argumentsSchema}
            onDecided={inbox.reload}
          />
        </section>
      ))}
    </>
  );
}
