// The sign-in form: the bearer token, checked against the server before it is kept.
import { useState } from 'preact/hooks';
import { Notice } from './components/notice.js';

interface Props {
  error: string | null;
  onSubmit: (token: string) => void;
}

export function SignIn({ error, onSubmit }: Props) {
  const [token, setToken] = useState('');
  return (
    <main class="sign-in">
      <h1>
        <span class="brand-mark" aria-hidden="true">
          ◆
        </span>{' '}
        Swiftlet
      </h1>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (token.trim() !== '') onSubmit(token.trim());
        }}
      >
        <div class="field">
          <label for="token">API token</label>
          <input id="token" type="password" autocomplete="current-password" required value={token} onInput={(e) => setToken(e.currentTarget.value)} aria-describedby="token-help" />
          <p id="token-help" class="muted">
            The HTTP server's <code>token</code> (full access) or <code>readOnlyToken</code> (view only). It is kept in this tab only.
          </p>
        </div>
        {error !== null && <Notice kind="error">{error}</Notice>}
        <button type="submit" class="primary">
          Sign in
        </button>
      </form>
    </main>
  );
}
