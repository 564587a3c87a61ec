/**
 * The console's command language, parsed without side effects so it can be unit-tested
 * and so nothing a user types can reach the lab unvalidated. Every malformed line gets a
 * one-line error that says what was expected.
 */
import type { BalanceAlgorithm } from '../../../src-main/api/contract';
import { BALANCE_ALGORITHMS } from '../../../src-main/core/balance/types';
import { MAX_KEY_BYTES, MAX_TTL_MS, MAX_VALUE_BYTES } from '../../../src-main/core/kv/types';

/** Command is one parsed console line. */
export type Command =
  | { cmd: 'put'; key: string; value: string }
  | { cmd: 'get'; key: string }
  | { cmd: 'delete'; key: string }
  | { cmd: 'cas'; key: string; expected: string | null; value: string }
  | { cmd: 'crash' | 'restart' | 'pause' | 'resume' | 'inspect'; node: string }
  | { cmd: 'partition'; groups: string[][] }
  | { cmd: 'heal' }
  | { cmd: 'latency'; from: string; to: string; both: boolean; latencyMs: number; jitterMs: number }
  | { cmd: 'loss'; from: string; to: string; both: boolean; loss: number }
  | { cmd: 'duplicate'; from: string; to: string; both: boolean; duplicate: number }
  | { cmd: 'block' | 'unblock'; from: string; to: string; both: boolean }
  | { cmd: 'load'; op: 'put' | 'get'; count: number; clients: number }
  | { cmd: 'export'; dir: string | null }
  | { cmd: 'help'; topic: string | null }
  | { cmd: 'balance'; algorithm: BalanceAlgorithm; weights: Record<string, number> | null }
  | { cmd: 'lock'; name: string; ttlMs: number; owner: string }
  | { cmd: 'renew'; name: string; ttlMs: number; owner: string; token: number }
  | { cmd: 'unlock'; name: string; token: number }
  | { cmd: 'fenced'; key: string; value: string; token: number }
  | { cmd: 'speed'; scale: number }
  | { cmd: 'clear' };

/** ParseResult is a command or a one-line error. */
export type ParseResult = { ok: true; command: Command } | { ok: false; error: string };

/** ParseContext tells the parser which node ids exist (empty: accept any nN). */
export interface ParseContext {
  nodes: readonly string[];
}

/** HELP lists every command with its usage and meaning, in the order `help` prints them. */
export const HELP: readonly { name: string; usage: string; about: string }[] = [
  { name: 'put', usage: 'put <key> <value>', about: 'write a key (quote values with spaces)' },
  { name: 'get', usage: 'get <key>', about: 'linearizable read of a key' },
  { name: 'del', usage: 'del <key>', about: 'delete a key' },
  { name: 'cas', usage: 'cas <key> <old|nil> <new>', about: 'set <new> only if the value is <old> (nil = absent)' },
  { name: 'crash', usage: 'crash <node>', about: 'kill a node process (SIGKILL)' },
  { name: 'restart', usage: 'restart <node>', about: 'start a crashed node again on its SQLite file' },
  { name: 'pause', usage: 'pause <node>', about: 'freeze a node process (SIGSTOP)' },
  { name: 'resume', usage: 'resume <node>', about: 'unfreeze a paused node (SIGCONT)' },
  { name: 'inspect', usage: 'inspect <node>', about: 'open the node inspector' },
  { name: 'partition', usage: 'partition n1,n2 | n3,n4,n5', about: 'cut every link between the groups' },
  { name: 'heal', usage: 'heal', about: 'remove every cut and link rule' },
  { name: 'latency', usage: 'latency n1->n2 200ms ±50ms', about: 'delay a link (n1<->n2 for both directions)' },
  { name: 'loss', usage: 'loss n1<->n3 10%', about: 'drop a share of the messages on a link' },
  { name: 'dup', usage: 'dup n1->n2 5%', about: 'duplicate a share of the messages on a link' },
  { name: 'block', usage: 'block n1->n2', about: 'cut one link (one-way with ->)' },
  { name: 'unblock', usage: 'unblock n1->n2', about: 'restore a cut link' },
  { name: 'load', usage: 'load put 1000 --clients 16', about: 'run a bounded load and summarize ops/s, p50, p99' },
  { name: 'balance', usage: 'balance <algorithm> [n1=3,n2=1]', about: "pick the gateway's load-balancing algorithm" },
  { name: 'lock', usage: 'lock <name> <ttlMs> <owner>', about: 'acquire a lease lock; prints its fencing token' },
  { name: 'renew', usage: 'renew <name> <ttlMs> <owner> <token>', about: 'extend a held lock' },
  { name: 'unlock', usage: 'unlock <name> <token>', about: 'release a lock' },
  { name: 'fenced', usage: 'fenced <key> <value> <token>', about: 'write guarded by a fencing token' },
  { name: 'speed', usage: 'speed 0.1', about: "scale the cluster's timers (1, 0.1, 0.01: slow motion)" },
  { name: 'export', usage: 'export [dir]', about: 'save the run (log, history, settings) to a folder' },
  { name: 'clear', usage: 'clear', about: 'clear the console' },
  { name: 'help', usage: 'help [command]', about: 'this list' },
];

const MAX_LATENCY_MS = 60_000;
const MAX_LOAD = 200_000;
const MAX_CLIENTS = 256;

class ParseError extends Error {}

function fail(msg: string): never {
  throw new ParseError(msg);
}

/** Token is one word of a line; quoted says it was written in "double quotes". */
export interface Token {
  text: string;
  quoted: boolean;
}

/** tokenize splits on whitespace; "double quotes" group words, with \" and \\ escapes. */
export function tokenize(line: string): string[] {
  return tokenizeDetailed(line).map((t) => t.text);
}

/** tokenizeDetailed is tokenize that also says which words were quoted. */
export function tokenizeDetailed(line: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < line.length) {
    const c = line[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    let tok = '';
    let quoted = false;
    while (i < line.length && !/\s/.test(line[i]!)) {
      if (line[i] === '"') {
        quoted = true;
        i++;
        let closed = false;
        while (i < line.length) {
          const d = line[i]!;
          if (d === '\\' && i + 1 < line.length) {
            tok += line[i + 1];
            i += 2;
            continue;
          }
          if (d === '"') {
            closed = true;
            i++;
            break;
          }
          tok += d;
          i++;
        }
        if (!closed) fail('unterminated quote');
      } else {
        tok += line[i];
        i++;
      }
    }
    // An empty quoted token ("") is a real, empty argument.
    if (tok !== '' || quoted) out.push({ text: tok, quoted });
  }
  return out;
}

function utf8Bytes(s: string): number {
  return new TextEncoder().encode(s).length;
}

function key(tok: string | undefined, usage: string): string {
  if (tok === undefined || tok === '') fail(`missing key: ${usage}`);
  if (utf8Bytes(tok) > MAX_KEY_BYTES) fail(`key is longer than ${MAX_KEY_BYTES} bytes`);
  return tok;
}

function value(tok: string | undefined, usage: string): string {
  if (tok === undefined) fail(`missing value: ${usage}`);
  if (utf8Bytes(tok) > MAX_VALUE_BYTES) fail(`value is larger than ${MAX_VALUE_BYTES} bytes`);
  return tok;
}

function node(tok: string | undefined, ctx: ParseContext, usage: string): string {
  if (tok === undefined || tok === '') fail(`missing node: ${usage}`);
  if (ctx.nodes.length > 0) {
    if (!ctx.nodes.includes(tok)) fail(`unknown node '${tok}' (nodes: ${ctx.nodes.join(', ')})`);
  } else if (!/^n[1-9][0-9]?$/.test(tok)) {
    fail(`'${tok}' is not a node id (n1, n2, …)`);
  }
  return tok;
}

function exactly(args: string[], n: number, usage: string): void {
  if (args.length > n) fail(`too many arguments: ${usage}`);
  if (args.length < n) fail(`missing arguments: ${usage}`);
}

function int(tok: string | undefined, what: string, min: number, max: number): number {
  if (tok === undefined || !/^\d+$/.test(tok)) fail(`${what} must be a whole number, got '${tok ?? ''}'`);
  const n = Number(tok);
  if (n < min || n > max) fail(`${what} must be between ${min} and ${max}`);
  return n;
}

/** parseDuration reads 200, 200ms, 0.2s or 1m as milliseconds. */
export function parseDuration(tok: string, what: string, max: number): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(tok);
  if (!m) fail(`${what} must be a duration like 200ms or 1.5s, got '${tok}'`);
  const unit = m[2] ?? 'ms';
  const ms = Number(m[1]) * (unit === 's' ? 1000 : unit === 'm' ? 60_000 : 1);
  if (ms > max) fail(`${what} must be at most ${max} ms`);
  return Math.round(ms * 1000) / 1000;
}

function percent(tok: string | undefined, what: string): number {
  const m = tok === undefined ? null : /^(\d+(?:\.\d+)?)%$/.exec(tok);
  if (!m) fail(`${what} must be a percentage like 10%, got '${tok ?? ''}'`);
  const p = Number(m[1]);
  if (p > 100) fail(`${what} must be at most 100%`);
  return p / 100;
}

interface LinkSpec {
  from: string;
  to: string;
  both: boolean;
  rest: string[];
}

/** link reads "n1->n2", "n1<->n2", "n1<-n2" (spaces around the arrow allowed) and what follows. */
function link(rest: string, ctx: ParseContext, usage: string): LinkSpec {
  const m = /^(\S+?)\s*(<->|->|<-)\s*(\S+)(.*)$/.exec(rest.trim());
  if (!m) fail(`expected a link like n1->n2 or n1<->n2: ${usage}`);
  const a = node(m[1], ctx, usage);
  const b = node(m[3], ctx, usage);
  if (a === b) fail(`a link joins two different nodes: ${usage}`);
  const arrow = m[2];
  const tail = tokenize(m[4] ?? '');
  if (arrow === '<-') return { from: b, to: a, both: false, rest: tail };
  return { from: a, to: b, both: arrow === '<->', rest: tail };
}

function usageOf(name: string): string {
  return HELP.find((h) => h.name === name)?.usage ?? name;
}

function parseInner(line: string, ctx: ParseContext): Command {
  const trimmed = line.trim();
  if (trimmed === '') fail('type a command (help lists them)');
  const head = /^(\S+)\s*(.*)$/.exec(trimmed)!;
  const name = head[1]!.toLowerCase();
  const restRaw = head[2] ?? '';
  const toks = tokenizeDetailed(restRaw);
  const args = toks.map((t) => t.text);
  const usage = usageOf(name === 'delete' ? 'del' : name === 'duplicate' ? 'dup' : name);
  switch (name) {
    case 'put':
      exactly(args, 2, usage);
      return { cmd: 'put', key: key(args[0], usage), value: value(args[1], usage) };
    case 'get':
      exactly(args, 1, usage);
      return { cmd: 'get', key: key(args[0], usage) };
    case 'del':
    case 'delete':
      exactly(args, 1, usage);
      return { cmd: 'delete', key: key(args[0], usage) };
    case 'cas': {
      exactly(args, 3, usage);
      const k = key(args[0], usage);
      // nil (unquoted) means "the key is absent"; a quoted "nil" is the literal string.
      const expected = args[1] === 'nil' && toks[1]?.quoted === false ? null : value(args[1], usage);
      return { cmd: 'cas', key: k, expected, value: value(args[2], usage) };
    }
    case 'crash':
    case 'restart':
    case 'pause':
    case 'resume':
    case 'inspect':
      exactly(args, 1, usage);
      return { cmd: name, node: node(args[0], ctx, usage) };
    case 'partition':
      return { cmd: 'partition', groups: partitionGroups(restRaw, ctx, usage) };
    case 'heal':
      exactly(args, 0, usage);
      return { cmd: 'heal' };
    case 'latency': {
      const l = link(restRaw, ctx, usage);
      const tail = l.rest.join(' ');
      const m = /^(\S+)(?:\s*(?:±|\+-|\+\/-)\s*(\S+))?$/.exec(tail);
      if (!m) fail(`expected a latency like 200ms ±50ms: ${usage}`);
      const latencyMs = parseDuration(m[1]!, 'latency', MAX_LATENCY_MS);
      const jitterMs = m[2] === undefined ? 0 : parseDuration(m[2], 'jitter', MAX_LATENCY_MS);
      if (jitterMs > latencyMs) fail('jitter must not exceed the latency');
      return { cmd: 'latency', from: l.from, to: l.to, both: l.both, latencyMs, jitterMs };
    }
    case 'loss': {
      const l = link(restRaw, ctx, usage);
      exactly(l.rest, 1, usage);
      return { cmd: 'loss', from: l.from, to: l.to, both: l.both, loss: percent(l.rest[0], 'loss') };
    }
    case 'dup':
    case 'duplicate': {
      const l = link(restRaw, ctx, usage);
      exactly(l.rest, 1, usage);
      return { cmd: 'duplicate', from: l.from, to: l.to, both: l.both, duplicate: percent(l.rest[0], 'duplication') };
    }
    case 'block':
    case 'unblock': {
      const l = link(restRaw, ctx, usage);
      exactly(l.rest, 0, usage);
      return { cmd: name, from: l.from, to: l.to, both: l.both };
    }
    case 'load':
      return parseLoad(args, usage);
    case 'export':
      if (args.length > 1) fail(`too many arguments: ${usage}`);
      return { cmd: 'export', dir: args[0] ?? null };
    case 'help': {
      if (args.length > 1) fail(`too many arguments: ${usage}`);
      const topic = args[0]?.toLowerCase() ?? null;
      if (topic !== null && !HELP.some((h) => h.name === topic)) fail(`no command '${topic}' (help lists them)`);
      return { cmd: 'help', topic };
    }
    case 'balance':
      return parseBalance(args, ctx, usage);
    case 'lock':
      exactly(args, 3, usage);
      return {
        cmd: 'lock',
        name: key(args[0], usage),
        ttlMs: parseDuration(args[1]!, 'ttl', MAX_TTL_MS),
        owner: key(args[2], usage),
      };
    case 'renew':
      exactly(args, 4, usage);
      return {
        cmd: 'renew',
        name: key(args[0], usage),
        ttlMs: parseDuration(args[1]!, 'ttl', MAX_TTL_MS),
        owner: key(args[2], usage),
        token: int(args[3], 'token', 0, Number.MAX_SAFE_INTEGER),
      };
    case 'unlock':
      exactly(args, 2, usage);
      return { cmd: 'unlock', name: key(args[0], usage), token: int(args[1], 'token', 0, Number.MAX_SAFE_INTEGER) };
    case 'fenced':
      exactly(args, 3, usage);
      return {
        cmd: 'fenced',
        key: key(args[0], usage),
        value: value(args[1], usage),
        token: int(args[2], 'token', 0, Number.MAX_SAFE_INTEGER),
      };
    case 'speed': {
      exactly(args, 1, usage);
      const m = /^(\d+(?:\.\d+)?)x?$/.exec(args[0]!);
      const scale = m ? Number(m[1]) : NaN;
      if (!(scale >= 0.001 && scale <= 1)) fail(`speed must be between 0.001 and 1 (e.g. 0.1), got '${args[0]}'`);
      return { cmd: 'speed', scale };
    }
    case 'clear':
      exactly(args, 0, usage);
      return { cmd: 'clear' };
    default:
      return fail(`unknown command '${head[1]}' (help lists them)`);
  }
}

function partitionGroups(rest: string, ctx: ParseContext, usage: string): string[][] {
  if (rest.trim() === '') fail(`missing groups: ${usage}`);
  const parts = rest.split('|');
  if (parts.length < 2) fail(`a partition needs at least two groups separated by |: ${usage}`);
  const seen = new Set<string>();
  const groups = parts.map((p) => {
    const ids = p
      .split(/[\s,]+/)
      .map((s) => s.trim())
      .filter((s) => s !== '');
    if (ids.length === 0) fail(`empty group in partition: ${usage}`);
    return ids.map((id) => {
      const n = node(id, ctx, usage);
      if (seen.has(n)) fail(`node ${n} is in two groups`);
      seen.add(n);
      return n;
    });
  });
  // Nodes the user left out stay together in one more group, as the router would treat them.
  const rest2 = ctx.nodes.filter((n) => !seen.has(n));
  if (rest2.length > 0) groups.push([...rest2]);
  return groups;
}

function parseLoad(args: string[], usage: string): Command {
  const op = args[0];
  if (op !== 'put' && op !== 'get') fail(`load runs put or get: ${usage}`);
  const count = int(args[1], 'count', 1, MAX_LOAD);
  let clients = 1;
  for (let i = 2; i < args.length; i++) {
    const a = args[i]!;
    const eq = /^--clients=(.*)$/.exec(a);
    if (eq) clients = int(eq[1], 'clients', 1, MAX_CLIENTS);
    else if (a === '--clients') clients = int(args[++i], 'clients', 1, MAX_CLIENTS);
    else fail(`unknown option '${a}': ${usage}`);
  }
  return { cmd: 'load', op, count, clients };
}

function parseBalance(args: string[], ctx: ParseContext, usage: string): Command {
  if (args.length === 0) fail(`missing algorithm (${BALANCE_ALGORITHMS.join(', ')})`);
  if (args.length > 2) fail(`too many arguments: ${usage}`);
  const algorithm = BALANCE_ALGORITHMS.find((a) => a === args[0]);
  if (!algorithm) fail(`unknown algorithm '${args[0]}' (${BALANCE_ALGORITHMS.join(', ')})`);
  if (args[1] === undefined) return { cmd: 'balance', algorithm, weights: null };
  const weights: Record<string, number> = {};
  for (const pair of args[1].split(',')) {
    const m = /^([^=]+)=(\d+)$/.exec(pair);
    if (!m) fail(`weights look like n1=3,n2=1, got '${pair}'`);
    const n = node(m[1], ctx, usage);
    weights[n] = int(m[2], `weight of ${n}`, 0, 1000);
  }
  return { cmd: 'balance', algorithm, weights };
}

/** parse reads one console line; it never throws. */
export function parse(line: string, ctx: ParseContext): ParseResult {
  try {
    return { ok: true, command: parseInner(line, ctx) };
  } catch (e) {
    if (e instanceof ParseError) return { ok: false, error: e.message };
    throw e;
  }
}

const NODE_ARG_COMMANDS = new Set([
  'crash',
  'restart',
  'pause',
  'resume',
  'inspect',
  'partition',
  'latency',
  'loss',
  'dup',
  'duplicate',
  'block',
  'unblock',
]);

/** Completion is the line after Tab and the candidates that matched. */
export interface Completion {
  line: string;
  options: string[];
}

function commonPrefix(xs: string[]): string {
  if (xs.length === 0) return '';
  let p = xs[0]!;
  for (const x of xs) while (!x.startsWith(p)) p = p.slice(0, -1);
  return p;
}

/** complete extends the word under the cursor (end of line) to a command or node id. */
export function complete(line: string, nodes: readonly string[]): Completion {
  const firstWord = /^\s*(\S*)$/.exec(line);
  if (firstWord) {
    const frag = firstWord[1]!.toLowerCase();
    const options = HELP.map((h) => h.name).filter((n) => n.startsWith(frag));
    // Nothing matches: leave what the user typed alone.
    if (options.length === 0) return { line, options };
    if (options.length === 1) return { line: line.slice(0, line.length - frag.length) + options[0] + ' ', options };
    return { line: line.slice(0, line.length - frag.length) + commonPrefix(options), options };
  }
  const cmd = /^\s*(\S+)/.exec(line)![1]!.toLowerCase();
  if (cmd === 'balance') {
    const frag = /(\S*)$/.exec(line)![1]!;
    const options = BALANCE_ALGORITHMS.filter((a) => a.startsWith(frag));
    if (options.length === 0) return { line, options: [] };
    const add = options.length === 1 ? options[0]! + ' ' : commonPrefix([...options]);
    return { line: line.slice(0, line.length - frag.length) + add, options: [...options] };
  }
  if (!NODE_ARG_COMMANDS.has(cmd)) return { line, options: [] };
  // The fragment is what follows the last separator: space, comma, pipe or arrow.
  const frag = /([^\s,|<>-]*)$/.exec(line)![1]!;
  const options = nodes.filter((n) => n.startsWith(frag));
  const add = options.length === 1 ? options[0]! : commonPrefix(options);
  return { line: line.slice(0, line.length - frag.length) + (add.length >= frag.length ? add : frag), options };
}
