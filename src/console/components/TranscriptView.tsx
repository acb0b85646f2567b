/**
 * A run read as a conversation (GET /v1/runs/{id}/transcript): the instructions and input, then each model
 * message (text, tool calls with their arguments, structured output, usage, cost, timing), each tool call's
 * result or error, approvals with their decisions, and the children the run started.
 */
import type { Transcript, TranscriptItem } from '../api';
import { duration, pretty, usd } from '../format';

function Item({ item }: { item: TranscriptItem }) {
  switch (item.kind) {
    case 'model':
      return (
        <li className="item model">
          <p className="meta">
            Step {item.step} · {item.purpose === 'summary' ? 'summary of earlier messages by' : 'model'}{' '}
            <code>{item.model}</code>
            {item.attempt > 1 ? ` · attempt ${item.attempt}` : ''} · {duration(item.durationMs)}
            {item.usage ? ` · ${item.usage.inputTokens} in / ${item.usage.outputTokens} out tokens` : ''}
            {item.costUsd !== undefined ? ` · ${usd(item.costUsd)}` : ''}
          </p>
          {item.text && <p className="text">{item.text}</p>}
          {item.error && <p className="error-text">Failed: {item.error}</p>}
          {item.toolCalls?.map((call) => (
            <div key={call.id} className="tool-call">
              <p>
                Calls <code>{call.name}</code> with
              </p>
              <pre className="json">{pretty(call.arguments)}</pre>
            </div>
          ))}
          {item.structured !== undefined && (
            <>
              <p>Structured output</p>
              <pre className="json">{pretty(item.structured)}</pre>
            </>
          )}
        </li>
      );
    case 'tool':
      return (
        <li className="item tool">
          <p className="meta">
            Step {item.step} · tool <code>{item.name}</code> · {duration(item.durationMs)}
          </p>
          <p>Arguments</p>
          <pre className="json">{pretty(item.arguments)}</pre>
          {item.error !== undefined ? (
            <>
              <p className="error-text">Error</p>
              <pre className="json">{pretty(item.error)}</pre>
            </>
          ) : (
            item.result !== undefined && (
              <>
                <p>Result</p>
                <pre className="json">{pretty(item.result)}</pre>
              </>
            )
          )}
        </li>
      );
    case 'approval':
      return (
        <li className="item approval-item">
          <p className="meta">
            Approval <code>{item.approvalId}</code>: {item.what}
          </p>
          <p>
            {item.decision ? `${item.decision} by ${item.by ?? 'someone'}` : 'pending'}
            {(item.comment ?? item.reason) ? ` — ${item.comment ?? item.reason}` : ''}
          </p>
          {item.why && <p className="muted">Why: {item.why}</p>}
          {item.refused && <p className="error-text">Decision refused: {item.refused}</p>}
        </li>
      );
    case 'child':
      return (
        <li className="item child">
          <p className="meta">
            Started child <code>{item.workflowId}</code> ({item.name ?? item.workflowType}) · {item.status}
          </p>
        </li>
      );
  }
}

export function TranscriptView({ transcript }: { transcript: Transcript }) {
  return (
    <>
      {transcript.instructions && (
        <>
          <h3>Instructions</h3>
          <p className="text">{transcript.instructions}</p>
        </>
      )}
      <h3>Input</h3>
      <pre className="json">{pretty(transcript.input)}</pre>
      <h3>Conversation</h3>
      {transcript.items.length === 0 ? (
        <p className="muted">Nothing yet.</p>
      ) : (
        <ol className="transcript">
          {transcript.items.map((item, i) => (
            <Item key={i} item={item} />
          ))}
        </ol>
      )}
    </>
  );
}
