/**
 * A node process that dies of an error nobody caught (an uncaught exception, an unhandled
 * rejection) tells its host why before it exits: the host records it in the run log's
 * 'node-died' record, where the event log shows it, instead of the user seeing only "n2
 * died" and an exit code. The report is bounded (FATAL_MESSAGE_CHARS, FATAL_STACK_CHARS),
 * built here on the node's side and checked again on the host's (fatalOf), since an IPC
 * message is an input like any other.
 *
 * Also the test-only way to make a node die so (armTestThrow): a variable in the node's
 * environment that only a test sets on the node it spawns. The lab never sets it, and its
 * spawner drops it from the environment nodes inherit (lab/node-spawn.ts), so neither the
 * API nor a web page can reach it.
 */
import type { NodeFatal, NodeFatalOrigin } from './contract';

/** FATAL_MESSAGE_CHARS bounds the error's message in a report; FATAL_STACK_CHARS, its stack. */
export const FATAL_MESSAGE_CHARS = 1000;
export const FATAL_STACK_CHARS = 4000;

/** FATAL_ORIGINS are the ways an error can go uncaught. */
export const FATAL_ORIGINS: readonly NodeFatalOrigin[] = ['uncaught-exception', 'unhandled-rejection'];

/** TEST_THROW_ENV is the test-only variable: `ID:exception` or `ID:rejection`, with an optional `:MS` delay after start. */
export const TEST_THROW_ENV = 'QUORUM_TEST_NODE_THROW';

function clip(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}

/** describeThrown is a thrown value in words (an Error's name and message; anything else, its string form). */
function describeThrown(e: unknown): string {
  if (e instanceof Error) return `${e.name}: ${e.message}`;
  try {
    return `a non-Error value was thrown: ${typeof e === 'string' ? e : JSON.stringify(e)}`;
  } catch {
    return `a non-Error value was thrown: ${typeof e}`;
  }
}

/** fatalReport is what a node reports of the error `e` that kills it. */
export function fatalReport(origin: NodeFatalOrigin, e: unknown): NodeFatal {
  const stack = e instanceof Error && typeof e.stack === 'string' ? clip(e.stack, FATAL_STACK_CHARS) : null;
  return { origin, message: clip(describeThrown(e), FATAL_MESSAGE_CHARS), stack };
}

/** fatalOf checks a report that came over IPC (or from a remote agent): the report, clipped, or null if it is not one. */
export function fatalOf(x: unknown): NodeFatal | null {
  if (typeof x !== 'object' || x === null) return null;
  const o = x as Record<string, unknown>;
  const origin = FATAL_ORIGINS.find((k) => k === o.origin);
  if (origin === undefined || typeof o.message !== 'string') return null;
  if (o.stack !== null && typeof o.stack !== 'string') return null;
  return {
    origin,
    message: clip(o.message, FATAL_MESSAGE_CHARS),
    stack: o.stack === null ? null : clip(o.stack, FATAL_STACK_CHARS),
  };
}

/**
 * armTestThrow: when TEST_THROW_ENV names node `id` (`ID:exception` or `ID:rejection`,
 * with an optional `:MS`, several comma-separated), the node throws — or leaves a promise
 * rejected — that many ms after it started (default 300, at most a minute): the test of
 * what the host shows of a node that dies of an error.
 */
export function armTestThrow(id: string, env: NodeJS.ProcessEnv = process.env): void {
  const v = env[TEST_THROW_ENV];
  if (v === undefined) return;
  for (const part of v.split(',')) {
    const [who, how, ms] = part.split(':');
    if (who !== id || (how !== 'exception' && how !== 'rejection')) continue;
    const delay = Math.min(60_000, Math.max(0, Number(ms ?? 300) || 0));
    setTimeout(() => {
      const e = new Error(`${id} fails on purpose (${TEST_THROW_ENV}=${part})`);
      if (how === 'rejection') void Promise.reject(e);
      else throw e;
    }, delay);
    return;
  }
}
