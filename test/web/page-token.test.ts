/**
 * The browser page's token: read once from `?token=`, kept in the tab's storage, taken out
 * of the address bar (query and hash otherwise kept); without one in the address, the
 * stored one serves; with neither, none.
 */
import { describe, expect, it } from 'vitest';
import { takePageToken, TOKEN_KEY, type PageContext } from '../../src-renderer/src/api/page-token';

function page(
  href: string,
  stored: string | null = null,
): PageContext & { replaced: string[]; store: Map<string, string> } {
  const store = new Map<string, string>(stored === null ? [] : [[TOKEN_KEY, stored]]);
  const replaced: string[] = [];
  return {
    location: { href },
    history: { state: { keep: 1 }, replaceState: (_d, _u, url) => void replaced.push(url ?? '') },
    storage: { getItem: (k) => store.get(k) ?? null, setItem: (k, v) => void store.set(k, v) },
    replaced,
    store,
  };
}

describe('takePageToken', () => {
  it('takes the token from the address, keeps it for the tab and removes it from the address bar', () => {
    const p = page('http://127.0.0.1:4400/?token=abc123&view=log#n2');
    expect(takePageToken(p)).toBe('abc123');
    expect(p.store.get(TOKEN_KEY)).toBe('abc123');
    expect(p.replaced).toEqual(['/?view=log#n2']);
  });

  it('after a reload (no token in the address) uses the one the tab kept, and touches nothing', () => {
    const p = page('http://127.0.0.1:4400/', 'kept');
    expect(takePageToken(p)).toBe('kept');
    expect(p.replaced).toEqual([]);
  });

  it('has none when neither the address nor the tab has one', () => {
    expect(takePageToken(page('http://127.0.0.1:4400/'))).toBeNull();
    expect(takePageToken({ ...page('http://127.0.0.1:4400/?token='), storage: null })).toBeNull();
  });

  it('a new token in the address replaces the kept one; without storage it still serves the page', () => {
    const p = page('http://127.0.0.1:4400/?token=new', 'old');
    expect(takePageToken(p)).toBe('new');
    expect(p.store.get(TOKEN_KEY)).toBe('new');
    const bare = { ...page('http://127.0.0.1:4400/?token=t'), storage: null };
    expect(takePageToken(bare)).toBe('t');
  });
});
