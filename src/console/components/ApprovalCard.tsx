/**
 * One pending approval: what waits, why, the proposed arguments; approve (optionally with edited arguments, checked
 * as JSON and against the tool's argument schema when there is one before anything is sent) or reject with a
 * reason, which is required. Buttons appear only for keys with approvals:decide.
 */
import { useId, useState } from 'react';
import { api } from '../api';
import { pretty } from '../format';
import { checkAgainstSchema } from '../schema-check';
import { useCan } from '../session';
import { ErrorBox } from './ErrorBox';

export interface ApprovalCardProps {
  workflowId: string;
  approvalId: string;
  what: string;
  why: string;
  proposed: string;
  agent?: string | undefined;
  requestedAt?: string | undefined;
  argumentsSchema?: unknown;
  onDecided(): void;
}

export function ApprovalCard(props: ApprovalCardProps) {
  const canDecide = useCan('approvals:decide');
  const id = useId();
  const [editing, setEditing] = useState(false);
  const [args, setArgs] = useState(() => pretty(props.proposed));
  const [reason, setReason] = useState('');
  const [problem, setProblem] = useState<string | undefined>();
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);

  const send = async (body: Parameters<typeof api.decide>[2]): Promise<void> => {
    setBusy(true);
    setError(undefined);
    try {
      await api.decide(props.workflowId, props.approvalId, body);
      props.onDecided();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const approve = (): void => {
    setProblem(undefined);
    if (!editing) return void send({ decision: 'approve' });
    let parsed: unknown;
    try {
      parsed = JSON.parse(args);
    } catch (err) {
      return setProblem(`The arguments are not valid JSON: ${(err as Error).message}`);
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      return setProblem('The arguments must be a JSON object.');
    }
    const issues = props.argumentsSchema ? checkAgainstSchema(parsed, props.argumentsSchema) : [];
    if (issues.length > 0) return setProblem(`The arguments do not fit the tool's schema: ${issues.join('; ')}`);
    void send({ decision: 'approve', args: parsed });
  };
  const reject = (): void => {
    setProblem(undefined);
    if (!reason.trim()) return setProblem('A rejection needs a reason.');
    void send({ decision: 'reject', comment: reason.trim() });
  };

  return (
    <article className="approval" data-approval-id={props.approvalId} aria-labelledby={`${id}-what`}>
      <h3 id={`${id}-what`}>{props.what}</h3>
      <dl>
        {props.agent && (
          <>
            <dt>Agent</dt>
            <dd>{props.agent}</dd>
          </>
        )}
        <dt>Why</dt>
        <dd>{props.why}</dd>
        <dt>Approval id</dt>
        <dd>
          <code>{props.approvalId}</code>
        </dd>
        {props.requestedAt && (
          <>
            <dt>Requested</dt>
            <dd>{new Date(props.requestedAt).toLocaleString()}</dd>
          </>
        )}
      </dl>
      <h4>Proposed arguments</h4>
      <pre className="json">{pretty(props.proposed)}</pre>
      {canDecide && (
        <div className="decide">
          <label className="inline">
            <input type="checkbox" checked={editing} onChange={(e) => setEditing(e.target.checked)} /> Edit the
            arguments before approving
          </label>
          {editing && (
            <>
              <label htmlFor={`${id}-args`}>Edited arguments (JSON)</label>
              <textarea id={`${id}-args`} rows={6} value={args} onChange={(e) => setArgs(e.target.value)} />
            </>
          )}
          <label htmlFor={`${id}-reason`}>Reason (required to reject; kept as the comment)</label>
          <input id={`${id}-reason`} value={reason} onChange={(e) => setReason(e.target.value)} />
          <div className="buttons">
            <button type="button" onClick={approve} disabled={busy}>
              Approve
            </button>
            <button type="button" className="danger" onClick={reject} disabled={busy}>
              Reject
            </button>
          </div>
          {problem && (
            <p className="error" role="alert">
              {problem}
            </p>
          )}
          <ErrorBox error={error} />
        </div>
      )}
    </article>
  );
}
