/** The frame of every signed-in page: a skip link, the navigation (Start only for runs:start) and who is signed in. */
import type { ReactNode } from 'react';
import { Link, usePath } from '../router';
import { useCan, useSession } from '../session';

export function Layout({ children }: { children: ReactNode }) {
  const { me, signOut } = useSession();
  const canStart = useCan('runs:start');
  const path = usePath();
  const current = (prefix: string): 'page' | undefined =>
    (prefix === '/' ? path === '/' || path.startsWith('/runs') : path.startsWith(prefix)) ? 'page' : undefined;
  return (
    <>
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="top">
        <span className="brand">durable-agents console</span>
        <nav aria-label="Console">
          <Link to="/" aria-current={current('/')}>
            Runs
          </Link>
          <Link to="/approvals" aria-current={current('/approvals')}>
            Approvals
          </Link>
          {canStart && (
            <Link to="/start" aria-current={current('/start')}>
              Start a run
            </Link>
          )}
          <Link to="/costs" aria-current={current('/costs')}>
            Costs
          </Link>
        </nav>
        <span className="who">
          Signed in as <strong>{me.name}</strong> ({me.scopes.join(', ')}){' '}
          <button type="button" className="link" onClick={() => signOut('Signed out.')}>
            Sign out
          </button>
        </span>
      </header>
      <main id="main">{children}</main>
    </>
  );
}
