// The dashboard shell: sign-in, then a navigation bar and one page at a time (hash routes: #/overview, #/clients, ...).
import { useEffect, useState } from 'preact/hooks';
import { ApiError, api } from './api.js';
import { useLiveState } from './live-state.js';
import { Clients } from './pages/clients.js';
import { Overview } from './pages/overview.js';
import { Publish } from './pages/publish.js';
import { Retained } from './pages/retained.js';
import { Subscriptions } from './pages/subscriptions.js';
import { SignIn } from './sign-in.js';
import { forgetToken, initialToken, saveToken } from './token-store.js';
import type { Scope } from './types.js';

const PAGES = [
  { id: 'overview', title: 'Overview' },
  { id: 'clients', title: 'Clients' },
  { id: 'subscriptions', title: 'Subscriptions' },
  { id: 'retained', title: 'Retained' },
  { id: 'publish', title: 'Publish' },
] as const;
type PageId = (typeof PAGES)[number]['id'];

function pageFromHash(): PageId {
  const id = location.hash.replace(/^#\/?/, '');
  return PAGES.find((p) => p.id === id)?.id ?? 'overview';
}

interface Session {
  token: string;
  scope: Scope;
}

export function App() {
  const [session, setSession] = useState<Session | null>(null);
  const [checking, setChecking] = useState(true);
  const [error, setError] = useState<string | null>(null);

  const signIn = async (token: string): Promise<void> => {
    setChecking(true);
    try {
      const { scope } = await api<{ scope: Scope }>(token, 'token');
      saveToken(token);
      setSession({ token, scope });
      setError(null);
    } catch (err) {
      forgetToken();
      setSession(null);
      setError(err instanceof ApiError && err.status === 401 ? 'That token was refused.' : `Could not sign in: ${(err as Error).message}`);
    } finally {
      setChecking(false);
    }
  };

  useEffect(() => {
    const token = initialToken();
    if (token === null) setChecking(false);
    else void signIn(token);
    // A `#token=` link opened in a tab that already shows the dashboard signs in again with that token.
    const onHash = (): void => {
      if (!location.hash.startsWith('#token=')) return;
      const next = initialToken();
      if (next !== null) void signIn(next);
    };
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);

  if (session === null) return checking ? <p class="muted center">Signing in…</p> : <SignIn error={error} onSubmit={(t) => void signIn(t)} />;
  return (
    <Dashboard
      session={session}
      onSignOut={(why) => {
        forgetToken();
        setSession(null);
        setError(why);
      }}
    />
  );
}

function Dashboard({ session, onSignOut }: { session: Session; onSignOut: (why: string | null) => void }) {
  const [page, setPage] = useState<PageId>(pageFromHash);
  const live = useLiveState(session.token, () => onSignOut('The token is no longer accepted.'));
  useEffect(() => {
    const onHash = (): void => setPage(pageFromHash());
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);
  const title = PAGES.find((p) => p.id === page)?.title ?? '';
  useEffect(() => {
    document.title = `${title} · Swiftlet`;
  }, [title]);

  return (
    <>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="top">
        <span class="brand">
          <span class="brand-mark" aria-hidden="true">
            ◆
          </span>{' '}
          Swiftlet
        </span>
        <span class="node muted">{live.hello === null ? '' : `${live.hello.nodeId} · v${live.hello.version}`}</span>
        <span class={`live live-${live.stream}`} role="status">
          {live.stream === 'live' ? 'Live' : live.stream === 'connecting' ? 'Connecting…' : 'Reconnecting…'}
        </span>
        {session.scope === 'read-only' && <span class="badge">read-only</span>}
        <button type="button" class="quiet" onClick={() => onSignOut(null)}>
          Sign out
        </button>
      </header>
      <nav class="tabs" aria-label="Sections">
        {PAGES.map((p) => (
          <a key={p.id} href={`#/${p.id}`} aria-current={p.id === page ? 'page' : undefined}>
            {p.title}
          </a>
        ))}
      </nav>
      <main id="main" tabIndex={-1}>
        <h1 class="visually-hidden">Swiftlet dashboard: {title}</h1>
        {page === 'overview' && <Overview live={live} />}
        {page === 'clients' && <Clients token={session.token} scope={session.scope} clients={live.clients} />}
        {page === 'subscriptions' && <Subscriptions token={session.token} count={live.stats?.subscriptions} />}
        {page === 'retained' && <Retained token={session.token} scope={session.scope} count={live.stats?.retainedMessages} />}
        {page === 'publish' && <Publish token={session.token} scope={session.scope} />}
      </main>
    </>
  );
}
