/**
 * Where the desktop window's page comes from. A packaged app serves its built renderer from
 * its own scheme, `quorum://app/`, not file:// — a file:// page may read any file on the
 * machine, while this scheme answers only files inside the renderer's folder, with their
 * proper types and the page's Content-Security-Policy. In development (an unpackaged app)
 * the dev server's address in ELECTRON_RENDERER_URL is used instead, if it is a loopback
 * http(s) address; a packaged app never reads that variable, so nobody can point an
 * installed app at another page by setting it.
 *
 * No 'electron' import: main.ts registers the scheme and hands requests to serveAppFile,
 * and this is tested under plain Node.
 */
import { lstat, readFile } from 'node:fs/promises';
import { extname, isAbsolute, relative, resolve } from 'node:path';

/** APP_SCHEME is the window's own scheme. */
export const APP_SCHEME = 'quorum';
/** APP_ORIGIN is the origin of every page the window may show (the IPC sender check compares against it). */
export const APP_ORIGIN = `${APP_SCHEME}://app`;
/** APP_PRIVILEGES: a standard, secure scheme (relative URLs, ES modules, 'self' in CSP); nothing more. */
export const APP_PRIVILEGES = { standard: true, secure: true, supportFetchAPI: true, corsEnabled: true } as const;

/** CSP is the window's Content-Security-Policy (also in index.html's meta tag). */
export const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self'; " +
  "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
};

/** pickRendererUrl: the dev server's loopback address in development, else the packaged renderer on the app's scheme. */
export function pickRendererUrl(isPackaged: boolean, devUrl: string | undefined): { url: string; why: string } {
  const packagedUrl = `${APP_ORIGIN}/index.html`;
  if (devUrl === undefined || devUrl === '') return { url: packagedUrl, why: 'the built renderer' };
  if (isPackaged) return { url: packagedUrl, why: 'ELECTRON_RENDERER_URL is ignored in a packaged app' };
  let u: URL;
  try {
    u = new URL(devUrl);
  } catch {
    return { url: packagedUrl, why: 'ELECTRON_RENDERER_URL is not a URL; ignored' };
  }
  const loopback = ['localhost', '127.0.0.1', '[::1]'].includes(u.hostname);
  if ((u.protocol !== 'http:' && u.protocol !== 'https:') || !loopback)
    return { url: packagedUrl, why: 'ELECTRON_RENDERER_URL is not a loopback http(s) address; ignored' };
  return { url: u.href, why: `the dev server at ${u.origin}` };
}

/** appFilePath maps a `quorum://app/…` URL to a file inside `root`, or null (another host, a way out of root, a bad escape). */
export function appFilePath(root: string, url: string): string | null {
  let u: URL;
  let path: string;
  try {
    u = new URL(url);
    path = decodeURIComponent(u.pathname);
  } catch {
    return null;
  }
  if (u.protocol !== `${APP_SCHEME}:` || u.host !== 'app' || path.includes('\0')) return null;
  const file = resolve(root, `.${path === '/' ? '/index.html' : path}`);
  const rel = relative(resolve(root), file);
  return rel === '' || rel.startsWith('..') || isAbsolute(rel) ? null : file;
}

/** serveAppFile answers one request on the app's scheme: a regular file inside `root`, or 404. */
export async function serveAppFile(root: string, url: string, method = 'GET'): Promise<Response> {
  const notFound = (): Response =>
    new Response('not found', { status: 404, headers: { 'content-type': 'text/plain' } });
  if (method !== 'GET' && method !== 'HEAD') return new Response('method not allowed', { status: 405 });
  const file = appFilePath(root, url);
  if (file === null) return notFound();
  // Only regular files: no links out of the folder, no devices.
  const st = await lstat(file).catch(() => null);
  if (!st?.isFile()) return notFound();
  const body = await readFile(file).catch(() => null);
  if (body === null) return notFound();
  return new Response(method === 'HEAD' ? null : body, {
    status: 200,
    headers: {
      'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
      'content-security-policy': CSP,
      'x-content-type-options': 'nosniff',
    },
  });
}
