/** The sign-in form: an API key, checked with GET /v1/me before it is kept (in sessionStorage, this tab only). */
import { useState, type FormEvent } from 'react';
import { errorText } from '../format';

export function SignIn({ onSignIn, message }: { onSignIn(key: string): Promise<void>; message?: string | undefined }) {
  const [key, setKey] = useState('');
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent): Promise<void> => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await onSignIn(key.trim());
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };
  const shown = error ?? message;
  return (
    <main id="main" className="signin">
      <h1>Sign in to the durable-agents console</h1>
      <form onSubmit={(e) => void submit(e)}>
        <label htmlFor="api-key">API key</label>
        <input
          id="api-key"
          name="api-key"
          type="password"
          autoComplete="off"
          required
          value={key}
          onChange={(e) => setKey(e.target.value)}
        />
        <button type="submit" disabled={busy || key.trim() === ''}>
          Sign in
        </button>
      </form>
      {shown && (
        <p className="error" role="alert">
          {shown}
        </p>
      )}
      <p className="hint">The key is kept in this tab only and sent as an Authorization header to this API.</p>
    </main>
  );
}
