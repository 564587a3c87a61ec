/**
 * Who may talk to the headless host. A web page the user visits can make the browser send
 * requests to 127.0.0.1 — from a sandboxed iframe or a data: URL (Origin: null), from
 * another site, from another port of localhost (same-site, but another origin), or through
 * a DNS name it rebinds to 127.0.0.1 — so every request is checked for:
 *
 * - Host: one of this lab's own names (a rebound name is none of them);
 * - Origin / Sec-Fetch-Site: absent, or exactly this origin (`null` and every other origin,
 *   `same-site` included, are refused);
 * - the launch token, for every /api/* call and the /api/events WebSocket: `Authorization:
 *   Bearer T`, or for a browser's WebSocket (which cannot set headers) the subprotocol
 *   `bearer.T` offered next to `quorum-lab`. Compared in constant time.
 *
 * Node-only (node:crypto, node:os); the HTTP host applies it.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { hostname, networkInterfaces } from 'node:os';
import { tokenEquals } from '../node/token';

// The same constant-time comparison as the cluster token's (hashes first, so the length does not show either).
export { tokenEquals };

/** WS_PROTOCOL is the subprotocol of /api/events; the host selects it (never the token's). */
export const WS_PROTOCOL = 'quorum-lab';
/** WS_TOKEN_PREFIX prefixes the subprotocol that carries the token from a browser's WebSocket. */
export const WS_TOKEN_PREFIX = 'bearer.';
/** TOKEN_CHARS: a token is URL-, header- and subprotocol-safe (RFC 7230 token characters). */
const TOKEN_CHARS = /^[A-Za-z0-9._~-]+$/;
/** MAX_TOKEN_LENGTH bounds a token given on the command line. */
export const MAX_TOKEN_LENGTH = 256;
/** SHORT_TOKEN: below this many characters a chosen token draws a warning. */
export const SHORT_TOKEN = 16;

const LOOPBACK_NAMES = ['127.0.0.1', 'localhost', '::1'];

/** makeToken returns a fresh launch token: 192 random bits, hex. */
export function makeToken(): string {
  return randomBytes(24).toString('hex');
}

/** tokenError says what is wrong with a chosen token, or null. */
export function tokenError(t: string): string | null {
  if (t.length === 0 || t.length > MAX_TOKEN_LENGTH || !TOKEN_CHARS.test(t))
    return `a token is 1–${MAX_TOKEN_LENGTH} characters from A–Z a–z 0–9 . _ ~ -`;
  return null;
}

/** isLoopbackBind tells whether `host` binds loopback only. */
export function isLoopbackBind(host: string): boolean {
  return LOOPBACK_NAMES.includes(host.toLowerCase()) || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/**
 * allowedHostNames lists the Host names the lab answers to when bound to `bind`: loopback
 * names always (a process on this machine); for a wildcard bind also this machine's name,
 * its `.local` name and every interface address; for a named address that address too.
 * A DNS-rebinding page sends its own name, which is none of these.
 */
export function allowedHostNames(bind: string): Set<string> {
  const names = new Set(LOOPBACK_NAMES);
  const add = (n: string): void => void names.add(n.toLowerCase().replace(/^\[|\]$/g, ''));
  add(bind);
  if (isLoopbackBind(bind)) return names;
  const me = hostname();
  add(me);
  add(`${me}.local`);
  if (bind === '0.0.0.0' || bind === '::') {
    for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) add(a.address);
  }
  return names;
}

/** hostName is the name part of a Host header (no port, no IPv6 brackets), lower-case. */
export function hostName(host: string): string {
  const h = host.trim().toLowerCase();
  if (h.startsWith('[')) return h.slice(1, h.indexOf(']') < 0 ? undefined : h.indexOf(']'));
  return h.replace(/:\d*$/, '');
}

/** header reads one request header as a single string ('' when absent). */
function header(h: IncomingHttpHeaders, name: string): string {
  const v = h[name];
  return Array.isArray(v) ? v.join(',') : (v ?? '');
}

/** checkHost returns why the Host header is not one of `allowed`, or null. */
export function checkHost(h: IncomingHttpHeaders, allowed: Set<string>): string | null {
  const host = header(h, 'host');
  if (host === '') return 'the request has no Host header';
  if (!allowed.has(hostName(host))) return `Host ${host.slice(0, 100)} is not this lab`;
  return null;
}

/**
 * checkSite returns why a request comes from another origin, or null. Same-origin means the
 * Origin (when the browser sends one) is `http://<Host>` exactly, and Sec-Fetch-Site (when
 * sent) is `same-origin` or `none` (the user typed or opened the address).
 */
export function checkSite(h: IncomingHttpHeaders): string | null {
  const site = header(h, 'sec-fetch-site');
  if (site !== '' && site !== 'same-origin' && site !== 'none') return `a ${site.slice(0, 40)} request is refused`;
  if (h.origin === undefined) return null;
  const origin = header(h, 'origin');
  // A sandboxed frame, a data: URL, a file: page and some redirects all say "null".
  if (origin === 'null') return 'a request from an opaque origin (Origin: null) is refused';
  let o: URL;
  try {
    o = new URL(origin);
  } catch {
    return 'bad Origin header';
  }
  if (o.protocol !== 'http:' || o.host !== header(h, 'host').toLowerCase())
    return `a cross-origin request from ${origin.slice(0, 100)} is refused`;
  return null;
}

/** tokenOf reads the token a request carries: `Authorization: Bearer T`, or a `bearer.T` WebSocket subprotocol. */
export function tokenOf(h: IncomingHttpHeaders): string | null {
  const auth = /^Bearer\s+(\S+)\s*$/i.exec(header(h, 'authorization'));
  if (auth) return auth[1]!;
  for (const p of header(h, 'sec-websocket-protocol').split(',')) {
    const v = p.trim();
    if (v.startsWith(WS_TOKEN_PREFIX)) return v.slice(WS_TOKEN_PREFIX.length);
  }
  return null;
}

/** checkToken returns why a request does not carry `expected`, or null. */
export function checkToken(h: IncomingHttpHeaders, expected: string): string | null {
  const given = tokenOf(h);
  if (given === null)
    return 'this call needs the lab’s token: open the address `quorum-lab serve` printed (…/?token=…), or send Authorization: Bearer <token>';
  if (!tokenEquals(given, expected)) return 'wrong token';
  return null;
}

/** isJson tells whether a Content-Type header names JSON (application/json, any parameters). */
export function isJson(contentType: string | undefined): boolean {
  return (contentType ?? '').split(';')[0]!.trim().toLowerCase() === 'application/json';
}

/** hasBody tells whether a request announces a body (a length above 0, or a chunked one). */
export function hasBody(h: IncomingHttpHeaders): boolean {
  if (h['transfer-encoding'] !== undefined) return true;
  const n = Number(h['content-length'] ?? '0');
  return !Number.isFinite(n) || n > 0;
}
