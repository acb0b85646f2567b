/**
 * Signs in (or restores the key kept in sessionStorage) and then shows the page the path names. A 401 from any call
 * drops the key and returns to the sign-in form with the API's message.
 */
import { useCallback, useEffect, useMemo, useState } from 'react';
import { api, setUnauthorizedHandler, storedKey, storeKey, type Me } from './api';
import { errorText } from './format';
import { usePath } from './router';
import { SessionContext, type Session } from './session';
import { Layout } from './components/Layout';
import { SignIn } from './pages/SignIn';
import { RunsList } from './pages/RunsList';
import { RunPage } from './pages/RunPage';
import { Approvals } from './pages/Approvals';
import { StartRun } from './pages/StartRun';
import { Costs } from './pages/Costs';
import { NotFound } from './pages/NotFound';

export function App() {
  const [me, setMe] = useState<Me | undefined>();
  const [checking, setChecking] = useState(() => storedKey() !== undefined);
  const [message, setMessage] = useState<string | undefined>();

  const signOut = useCallback((why?: string) => {
    storeKey(undefined);
    setMe(undefined);
    setMessage(why);
  }, []);

  useEffect(() => {
    setUnauthorizedHandler((why) => signOut(`Signed out: ${why}`));
    if (!storedKey()) return;
    api
      .me()
      .then(setMe)
      .catch((err: unknown) => setMessage(errorText(err)))
      .finally(() => setChecking(false));
  }, [signOut]);

  const signIn = async (key: string): Promise<void> => {
    const who = await api.me(key);
    storeKey(key);
    setMessage(undefined);
    setMe(who);
  };

  const session = useMemo<Session | undefined>(() => (me ? { me, signOut } : undefined), [me, signOut]);
  if (checking && !me) return <p className="loading">Signing in…</p>;
  if (!session) return <SignIn onSignIn={signIn} message={message} />;
  return (
    <SessionContext.Provider value={session}>
      <Layout>
        <Page />
      </Layout>
    </SessionContext.Provider>
  );
}

function Page() {
  const path = usePath();
  const run = /^\/runs\/([^/]+)\/?$/.exec(path);
  if (run?.[1]) return <RunPage key={run[1]} workflowId={decodeURIComponent(run[1])} />;
  switch (path.replace(/\/$/, '') || '/') {
    case '/':
    case '/runs':
      return <RunsList />;
    case '/approvals':
      return <Approvals />;
    case '/start':
      return <StartRun />;
    case '/costs':
      return <Costs />;
    default:
      return <NotFound />;
  }
}
