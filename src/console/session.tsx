/**
 * Who is signed in: the API key's name and scopes from GET /v1/me. The scopes decide which buttons the pages show
 * (the API checks them again on every request): starting needs runs:start, deciding needs approvals:decide, and
 * admin allows everything.
 */
import { createContext, useContext } from 'react';
import type { Me } from './api';

export interface Session {
  me: Me;
  signOut(message?: string): void;
}

export const SessionContext = createContext<Session | undefined>(undefined);

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside a signed-in console');
  return session;
}

export function hasScope(me: Me, scope: 'runs:start' | 'runs:read' | 'approvals:decide'): boolean {
  return me.scopes.includes(scope) || me.scopes.includes('admin');
}

/** True when the signed-in key has the scope. */
export function useCan(scope: 'runs:start' | 'runs:read' | 'approvals:decide'): boolean {
  return hasScope(useSession().me, scope);
}
