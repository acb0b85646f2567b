/** Spend by agent and model per day (GET /v1/costs), as a stacked bar chart and as a table, its accessible form. */
import { useMemo, useState } from 'react';
import { api } from '../api';
import { CostChart } from '../components/CostChart';
import { ErrorBox } from '../components/ErrorBox';
import { usd } from '../format';
import { usePolled } from '../hooks';

/** Every UTC day from `from` to `to` (YYYY-MM-DD), so days without spend show as empty bars. */
function daysBetween(from: string, to: string): string[] {
  const days: string[] = [];
  const end = new Date(`${to.slice(0, 10)}T00:00:00Z`).getTime();
  for (let t = new Date(`${from.slice(0, 10)}T00:00:00Z`).getTime(); t <= end && days.length < 400; t += 86_400_000) {
    days.push(new Date(t).toISOString().slice(0, 10));
  }
  return days;
}

export function Costs() {
  const [days, setDays] = useState(14);
  const costs = usePolled(() => api.costs(days), undefined, [days]);
  const labels = useMemo(() => (costs.data ? daysBetween(costs.data.from, costs.data.to) : []), [costs.data]);
  const total = costs.data?.rows.reduce((s, r) => s + r.costUsd, 0) ?? 0;
  return (
    <>
      <h1>Costs</h1>
      <label>
        Days{' '}
        <select value={days} onChange={(e) => setDays(Number(e.target.value))}>
          {[7, 14, 30, 90].map((d) => (
            <option key={d} value={d}>
              {d}
            </option>
          ))}
        </select>
      </label>
      <ErrorBox error={costs.error} />
      {costs.data && (
        <>
          <CostChart days={labels} rows={costs.data.rows} />
          {costs.data.truncated && <p className="muted">More runs than the scan reads: the totals are partial.</p>}
          <table className="costs">
            <caption>Spend by day, agent and model: {usd(total)} in all</caption>
            <thead>
              <tr>
                <th scope="col">Day (UTC)</th>
                <th scope="col">Agent</th>
                <th scope="col">Model</th>
                <th scope="col">Runs</th>
                <th scope="col">Cost</th>
              </tr>
            </thead>
            <tbody>
              {costs.data.rows.map((r) => (
                <tr key={`${r.day}/${r.agent}/${r.model}`}>
                  <td>{r.day}</td>
                  <td>{r.agent}</td>
                  <td>{r.model}</td>
                  <td>{r.runs}</td>
                  <td>{usd(r.costUsd)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </>
  );
}
