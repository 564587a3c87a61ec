/**
 * How a command's wire argument travels over HTTP, both ways: the renderer's HTTP transport
 * turns a wire argument into a request (httpRequestOf), the headless host turns a request
 * back into the wire argument (wireOfRequest) and hands it to the row's validator. `:params`
 * of the route's path carry fields of the wire argument; a GET carries the route's query
 * fields in the query string (as strings: their validators accept numeric strings); a
 * POST carries the rest as its JSON body. Pure, for both sides.
 */
import type { HttpMethod, HttpRoute } from './commands';
import { isRecord } from './schemas';

/** HttpRequest is one command call as an HTTP request; body undefined means none. */
export interface HttpRequest {
  method: HttpMethod;
  /** path: with the query string, relative to the lab's origin. */
  path: string;
  body: unknown;
}

const PARAM = /:([a-zA-Z]+)/g;

/** httpRequestOf places `wire` on `route`: params into the path, query fields (GET) into the query string, the rest into the body. */
export function httpRequestOf(route: HttpRoute, wire: unknown): HttpRequest {
  const rest: Record<string, unknown> = isRecord(wire) ? { ...wire } : {};
  const path = route.path.replace(PARAM, (_m, key: string) => {
    const v = rest[key];
    delete rest[key];
    return encodeURIComponent(String(v));
  });
  const method = route.methods[0];
  if (method === 'GET') {
    const q = new URLSearchParams();
    for (const key of route.query) {
      const v = rest[key];
      if (v !== undefined && v !== null) q.set(key, String(v));
    }
    const qs = q.toString();
    return { method, path: qs === '' ? path : `${path}?${qs}`, body: undefined };
  }
  if (!isRecord(wire)) return { method, path, body: wire };
  return { method, path, body: Object.keys(rest).length === 0 ? undefined : rest };
}

/** CompiledRoute matches request paths against one route. */
export interface CompiledRoute {
  pattern: RegExp;
  keys: string[];
}

/** compileRoute turns a route's path (`/api/nodes/:id/crash`) into a pattern and its param names. */
export function compileRoute(path: string): CompiledRoute {
  const keys: string[] = [];
  const source = path.replace(PARAM, (_m, key: string) => {
    keys.push(key);
    return '([^/]+)';
  });
  return { pattern: new RegExp(`^${source}$`), keys };
}

/** pathParams decodes the params of a path that matched `route`; a string says which escape is bad. */
export function pathParams(route: CompiledRoute, pathname: string): Record<string, string> | string | null {
  const m = route.pattern.exec(pathname);
  if (!m) return null;
  const params: Record<string, string> = {};
  for (const [i, key] of route.keys.entries()) {
    const raw = m[i + 1] ?? '';
    try {
      params[key] = decodeURIComponent(raw);
    } catch {
      return `bad %-escape in the path's ${key}: ${raw.slice(0, 40)}`;
    }
  }
  return params;
}

/** wireOfRequest rebuilds the wire argument: the body (POST) or the route's query fields (GET), with the path's params laid over it. */
export function wireOfRequest(
  route: HttpRoute,
  method: string,
  params: Record<string, string>,
  body: unknown,
  query: URLSearchParams,
): unknown {
  if (method === 'GET') {
    const fields: Record<string, unknown> = {};
    for (const key of route.query) {
      const v = query.get(key);
      if (v !== null) fields[key] = v;
    }
    return { ...fields, ...params };
  }
  if (Object.keys(params).length === 0) return body;
  // A route with params ignores a body that is not an object, as it always has.
  return isRecord(body) ? { ...body, ...params } : params;
}
