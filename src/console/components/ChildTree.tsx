/**
 * The runs a run started, as a tree: expanding a child fetches its transcript (and so its own children) only
 * then, so a large tree costs nothing until someone opens it.
 */
import { useState } from 'react';
import { api, type ChildRef, type Transcript } from '../api';
import { Link, runHref } from '../router';
import { ErrorBox } from './ErrorBox';
import { TranscriptView } from './TranscriptView';

function ChildNode({ child }: { child: ChildRef }) {
  const [open, setOpen] = useState(false);
  const [transcript, setTranscript] = useState<Transcript | undefined>();
  const [error, setError] = useState<unknown>();
  const toggle = (): void => {
    const next = !open;
    setOpen(next);
    if (next && !transcript) {
      setError(undefined);
      api.transcript(child.workflowId).then(setTranscript, setError);
    }
  };
  return (
    <li className="child-node">
      <button type="button" className="link" aria-expanded={open} onClick={toggle}>
        {open ? '▾' : '▸'} {child.name ?? child.workflowType}
      </button>{' '}
      <Link to={runHref(child.workflowId)}>{child.workflowId}</Link> <span className="muted">· {child.status}</span>
      {open && (
        <div className="child-body">
          <ErrorBox error={error} />
          {!transcript && !error && <p className="loading">Loading the child's transcript…</p>}
          {transcript && (
            <>
              <TranscriptView transcript={transcript} />
              {transcript.children.length > 0 && <ChildTree items={transcript.children} />}
            </>
          )}
        </div>
      )}
    </li>
  );
}

export function ChildTree({ items }: { items: ChildRef[] }) {
  return (
    <ul className="child-tree">
      {items.map((child) => (
        <ChildNode key={child.workflowId} child={child} />
      ))}
    </ul>
  );
}
