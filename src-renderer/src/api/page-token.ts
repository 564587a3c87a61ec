/**
 * The browser page's launch token. `quorum-lab serve` prints `http://127.0.0.1:PORT/?token=T`;
 * the page opened from it reads the token once, keeps it in sessionStorage (this tab only,
 * gone when the tab closes; a reload keeps it) and takes it out of the address bar, so it is
 * neither in the history nor in a copied link. Every API call then sends it as a Bearer
 * header, and the event stream offers it as a WebSocket subprotocol.
 */

/** TOKEN_KEY is where the tab keeps the token. */
export const TOKEN_KEY = 'quorum-lab-token';

/** PageContext is what the page reads the token from: its address, its history and its session storage. */
export interface PageContext {
  location: { href: string };
  history: { state: unknown; replaceState(data: unknown, unused: string, url?: string): void };
  storage: { getItem(key: string): string | null; setItem(key: string, value: string): void } | null;
}

/** takePageToken returns the token from the address (then stored and removed from it) or from the tab's storage; null if neither has one. */
export function takePageToken(page: PageContext): string | null {
  const url = new URL(page.location.href);
  const fromUrl = url.searchParams.get('token');
  if (fromUrl === null || fromUrl === '') return page.storage?.getItem(TOKEN_KEY) ?? null;
  try {
    page.storage?.setItem(TOKEN_KEY, fromUrl);
  } catch {
    // Storage may be full or off: the token still serves this page until it is reloaded.
  }
  url.searchParams.delete('token');
  page.history.replaceState(page.history.state, '', url.pathname + url.search + url.hash);
  return fromUrl;
}
