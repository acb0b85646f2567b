/** Start a run: an agent or a graph from the catalog, its input and optionally a model; then go to its page. */
import { useState, type FormEvent } from 'react';
import { api } from '../api';
import { ErrorBox } from '../components/ErrorBox';
import { usePolled } from '../hooks';
import { navigate, runHref } from '../router';
import { useCan } from '../session';

export function StartRun() {
  const canStart = useCan('runs:start');
  const catalog = usePolled(
    async () => {
      const [agents, graphs] = await Promise.all([api.agents(), api.graphs()]);
      return { agents: agents.agents, graphs: graphs.graphs };
    },
    undefined,
    [],
  );
  const [target, setTarget] = useState('');
  const [input, setInput] = useState('');
  const [model, setModel] = useState('');
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);

  if (!canStart) return <p>This API key cannot start runs (it lacks the runs:start scope).</p>;
  const submit = async (event: FormEvent): Promise<void> => {
    event.preventDefault();
    // `agent:<name>` or `graph:<name>`; a name may itself hold a colon.
    const colon = target.indexOf(':');
    const kind = target.slice(0, colon) as 'agent' | 'graph';
    const name = target.slice(colon + 1);
    setBusy(true);
    setError(undefined);
    try {
      const started = await api.start({
        [kind]: name,
        ...(input.trim() ? { input } : {}),
        ...(model.trim() ? { model: model.trim() } : {}),
      });
      navigate(runHref(started.workflowId));
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };
  return (
    <>
      <h1>Start a run</h1>
      <ErrorBox error={catalog.error} />
      <form className="start" onSubmit={(e) => void submit(e)}>
        <label htmlFor="start-target">Agent or graph</label>
        <select id="start-target" required value={target} onChange={(e) => setTarget(e.target.value)}>
          <option value="">Choose…</option>
          <optgroup label="Agents">
            {catalog.data?.agents.map((a) => (
              <option key={a.name} value={`agent:${a.name}`}>
                {a.name} — {a.description}
              </option>
            ))}
          </optgroup>
          <optgroup label="Graphs">
            {catalog.data?.graphs.map((g) => (
              <option key={g.name} value={`graph:${g.name}`}>
                {g.name} — {g.description}
              </option>
            ))}
          </optgroup>
        </select>
        <label htmlFor="start-input">Input</label>
        <textarea id="start-input" rows={5} value={input} onChange={(e) => setInput(e.target.value)} />
        <label htmlFor="start-model">Model (optional, provider:model)</label>
        <input
          id="start-model"
          value={model}
          placeholder="the agent's own"
          onChange={(e) => setModel(e.target.value)}
        />
        <button type="submit" disabled={busy || !target}>
          Start
        </button>
      </form>
      <ErrorBox error={error} />
    </>
  );
}
