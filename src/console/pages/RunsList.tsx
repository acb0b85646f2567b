/**
 * The runs list: GET /v1/runs with the filters of the form, re-fetched every few seconds so statuses stay live.
 * Each row links to its run page.
 */
import { useState, type FormEvent } from 'react';
import { api, type RunFilters } from '../api';
import { ErrorBox } from '../components/ErrorBox';
import { usd, when } from '../format';
import { usePolled } from '../hooks';
import { Link, runHref } from '../router';

const STATUSES = ['running', 'completed', 'failed', 'cancelled', 'terminated', 'timed-out'];
const REFRESH_MS = 3000;

/** A datetime-local value as ISO 8601 (the API's startedAfter/startedBefore), or undefined when empty. */
const iso = (local: string): string | undefined => (local ? new Date(local).toISOString() : undefined);

export function RunsList() {
  const [form, setForm] = useState<RunFilters>({});
  const [filters, setFilters] = useState<RunFilters>({});
  const runs = usePolled(() => api.runs({ ...filters, limit: 50 }), REFRESH_MS, [filters]);
  const set = (field: keyof RunFilters) => (event: { target: { value: string } }) =>
    setForm((f) => ({ ...f, [field]: event.target.value || undefined }));
  const apply = (event: FormEvent): void => {
    event.preventDefault();
    const { startedAfter, startedBefore, ...rest } = form;
    setFilters({
      ...rest,
      ...(startedAfter ? { startedAfter: iso(startedAfter) } : {}),
      ...(startedBefore ? { startedBefore: iso(startedBefore) } : {}),
    });
  };
  return (
    <>
      <h1>Runs</h1>
      <form className="filters" onSubmit={apply} aria-label="Filter runs">
        <label>
          Status
          <select value={form.status ?? ''} onChange={set('status')}>
            <option value="">any</option>
            {STATUSES.map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
        </label>
        <label>
          Kind
          <select value={form.kind ?? ''} onChange={set('kind')}>
            <option value="">agent or graph</option>
            <option value="agent">agent</option>
            <option value="graph">graph</option>
          </select>
        </label>
        <label>
          Agent or graph name
          <input value={form.agent ?? ''} onChange={set('agent')} />
        </label>
        <label>
          Awaiting approval
          <select value={form.awaitingApproval ?? ''} onChange={set('awaitingApproval')}>
            <option value="">either</option>
            <option value="true">yes</option>
            <option value="false">no</option>
          </select>
        </label>
        <label>
          Min cost (USD)
          <input type="number" min="0" step="any" value={form.minCostUsd ?? ''} onChange={set('minCostUsd')} />
        </label>
        <label>
          Max cost (USD)
          <input type="number" min="0" step="any" value={form.maxCostUsd ?? ''} onChange={set('maxCostUsd')} />
        </label>
        <label>
          Started after
          <input type="datetime-local" value={form.startedAfter ?? ''} onChange={set('startedAfter')} />
        </label>
        <label>
          Started before
          <input type="datetime-local" value={form.startedBefore ?? ''} onChange={set('startedBefore')} />
        </label>
        <button type="submit">Apply filters</button>
      </form>
      <ErrorBox error={runs.error} />
      {!runs.data && !runs.error && <p className="loading">Loading runs…</p>}
      {runs.data && (
        <table className="runs">
          <caption>
            {runs.data.runs.length} run(s), newest first; refreshed every {REFRESH_MS / 1000} s
          </caption>
          <thead>
            <tr>
              <th scope="col">Run</th>
              <th scope="col">Agent or graph</th>
              <th scope="col">Status</th>
              <th scope="col">Approval</th>
              <th scope="col">Tokens</th>
              <th scope="col">Cost</th>
              <th scope="col">Started</th>
            </tr>
          </thead>
          <tbody>
            {runs.data.runs.map((run) => (
              <tr key={`${run.workflowId}/${run.runId}`} data-workflow-id={run.workflowId}>
                <td>
                  <Link to={runHref(run.workflowId)}>{run.workflowId}</Link>
                </td>
                <td>
                  {run.agent ?? '—'} <span className="muted">({run.workflowType})</span>
                </td>
                <td>
                  <span className={`status status-${run.agentStatus ?? run.status}`}>
                    {run.agentStatus ?? run.status}
                  </span>
                </td>
                <td>{run.awaitingApproval ? 'awaiting' : ''}</td>
                <td>{run.tokens ?? '—'}</td>
                <td>{usd(run.costUsd)}</td>
                <td>{when(run.startTime)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
