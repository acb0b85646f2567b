/**
 * The run's steps from its live state, with timing and cost from the transcript's model and tool items where it
 * has them (the state keeps tokens; the transcript keeps start and end times and each call's cost).
 */
import type { StepRecord, TranscriptItem } from '../api';
import { duration, usd } from '../format';

export function StepsTable({ steps, items }: { steps: StepRecord[]; items: TranscriptItem[] }) {
  const timing = (step: StepRecord): { ms?: number; cost?: number } => {
    const match = items.find((i) =>
      step.kind === 'model'
        ? i.kind === 'model' && i.step === step.step
        : i.kind === 'tool' && i.step === step.step && i.name === step.name,
    );
    if (!match || (match.kind !== 'model' && match.kind !== 'tool')) return {};
    return {
      ...(match.durationMs !== undefined ? { ms: match.durationMs } : {}),
      ...(match.kind === 'model' && match.costUsd !== undefined ? { cost: match.costUsd } : {}),
    };
  };
  return (
    <table className="steps">
      <caption>Steps</caption>
      <thead>
        <tr>
          <th scope="col">Step</th>
          <th scope="col">Kind</th>
          <th scope="col">Name</th>
          <th scope="col">Status</th>
          <th scope="col">Duration</th>
          <th scope="col">Tokens (in / out)</th>
          <th scope="col">Cost</th>
          <th scope="col">Summary</th>
        </tr>
      </thead>
      <tbody>
        {steps.map((step, i) => {
          const t = timing(step);
          return (
            <tr key={i} data-step={step.step} data-kind={step.kind} data-status={step.status}>
              <td>{step.step}</td>
              <td>{step.kind}</td>
              <td>{step.name ?? step.node}</td>
              <td>
                <span className={`status status-${step.status}`}>{step.status}</span>
              </td>
              <td>{duration(t.ms)}</td>
              <td>{step.usage ? `${step.usage.inputTokens} / ${step.usage.outputTokens}` : '—'}</td>
              <td>{t.cost !== undefined ? usd(t.cost) : '—'}</td>
              <td>{step.summary}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
