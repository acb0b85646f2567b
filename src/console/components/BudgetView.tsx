/** A run's budget: each declared limit against what was spent, as a meter and in words. */
import type { BudgetStatus } from '../api';

export function BudgetView({ budget }: { budget: BudgetStatus }) {
  // Each limit `maxX` counts against `spent.x` (maxCostUsd → costUsd); softThreshold is a share, not a limit.
  const limits = Object.entries(budget.limits).filter(
    (entry): entry is [string, number] => entry[0].startsWith('max') && typeof entry[1] === 'number',
  );
  const spentOf = (limit: string): number => budget.spent[limit.slice(3, 4).toLowerCase() + limit.slice(4)] ?? 0;
  return (
    <section aria-labelledby="budget-heading">
      <h2 id="budget-heading">Budget</h2>
      <ul className="budget">
        {limits.map(([limit, max]) => {
          const used = spentOf(limit);
          return (
            <li key={limit}>
              <label>
                {limit}: {used} of {max}
                {budget.softWarnings.includes(limit) ? ' (past its soft threshold)' : ''}
                <meter min={0} max={max} value={Math.min(used, max)} />
              </label>
            </li>
          );
        })}
      </ul>
      {budget.exceeded && <p className="error">Budget exceeded: {JSON.stringify(budget.exceeded)}</p>}
    </section>
  );
}
