// The bearer token lives in sessionStorage only: it goes when the tab closes and is never sent in a URL.
const KEY = 'swiftlet.token';

/** Takes a token from `#token=...` (removing it from the address bar and history) or from sessionStorage. */
export function initialToken(): string | null {
  const match = /^#token=([^&]*)/.exec(location.hash);
  if (match !== null) {
    const token = decodeURIComponent(match[1] ?? '');
    history.replaceState(null, '', `${location.pathname}${location.search}#/overview`);
    if (token !== '') {
      saveToken(token);
      return token;
    }
  }
  return sessionStorage.getItem(KEY);
}

export function saveToken(token: string): void {
  sessionStorage.setItem(KEY, token);
}

export function forgetToken(): void {
  sessionStorage.removeItem(KEY);
}
