/** The text a model is writing right now, from the run's `token` events; a new attempt starts it afresh. */
import type { LiveDraft } from '../live';

export function LiveText({ drafts }: { drafts: LiveDraft[] }) {
  const writing = drafts.filter((d) => d.outcome === undefined);
  if (writing.length === 0) return null;
  return (
    <section aria-labelledby="live-heading" className="live">
      <h2 id="live-heading">Writing now</h2>
      {writing.map((d) => (
        <figure key={d.callId} data-call-id={d.callId}>
          <figcaption>
            {d.model} · call {d.callId}
            {d.attempt > 1 ? ` · attempt ${d.attempt}` : ''}
          </figcaption>
          <p className="live-text" aria-live="off">
            {d.text}
          </p>
        </figure>
      ))}
    </section>
  );
}
