/**
 * The node process entry. The lab's supervisor starts it as
 *   child_process.fork('src-main/node/main.ts', ['--config', JSON.stringify(cfgWithoutToken)], { execArgv: ['--import', 'tsx'] })
 * and talks to it over the IPC channel (contract.ts NodeToHost / HostToNode). The cluster
 * token is not on the command line (every local user can read /proc/PID/cmdline): the node
 * asks for it over IPC ('token-request' → 'token'). Run by hand with no IPC channel, it
 * reads the token from the first line of stdin instead.
 *
 * Exit codes: 0 shutdown (or the host went away), 1 a fatal error (printed on stderr),
 * 2 a bad config or no token (printed on stderr). An error nobody caught (an uncaught
 * exception, an unhandled rejection) is also reported to the host ('fatal', fatal.ts)
 * before the node exits with 1, so the lab can say why the node died.
 */
import { assertNever } from '../core/types';
import { parseConfigArgs } from './config';
import type { NodeConfig, NodeFatalOrigin, NodeToHost } from './contract';
import { armTestThrow, fatalReport } from './fatal';
import { MAX_ID_BYTES } from './frames';
import { TOKEN_WAIT_MS, receiveToken, validateHostToNode, type IpcChannel } from './ipc';
import { NodeHost } from './node-host';
import { damageStoreFile } from './sqlite-storage';

function send(m: NodeToHost): void {
  if (process.send && process.connected) process.send(m);
  else if (!process.send) process.stdout.write(`${JSON.stringify(m)}\n`); // run by hand: print what the host would get
}

function fail(code: number, text: string): never {
  process.stderr.write(`quorum-lab node: ${text}\n`);
  process.exit(code);
}

/** tokenFromStdin reads the first line of stdin (a node run by hand, with no IPC channel). */
function tokenFromStdin(ms: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let buf = '';
    const done = (err: Error | null): void => {
      clearTimeout(timer);
      process.stdin.off('data', onData);
      process.stdin.off('end', onEnd);
      process.stdin.pause();
      if (err) reject(err);
      else resolve(buf.split('\n')[0]!.trim());
    };
    const onData = (c: Buffer): void => {
      buf += c.toString('utf8');
      if (buf.includes('\n')) done(null);
      else if (Buffer.byteLength(buf) > MAX_ID_BYTES)
        done(new Error(`the token on stdin is longer than ${MAX_ID_BYTES} bytes`));
    };
    const onEnd = (): void => done(null);
    const timer = setTimeout(() => done(new Error(`no token on stdin within ${ms} ms`)), ms);
    process.stdin.on('data', onData);
    process.stdin.on('end', onEnd);
  });
}

function ipcChannel(): IpcChannel {
  return {
    send: (m) => process.send?.(m),
    on: (e, fn) => process.on(e, fn),
    off: (e, fn) => process.off(e, fn),
  };
}

/** sendFlushed sends m and resolves once it has left (so the process may exit right after). */
function sendFlushed(m: NodeToHost): Promise<void> {
  return new Promise((resolve) => {
    if (process.send && process.connected) process.send(m, undefined, {}, () => resolve());
    else {
      send(m);
      resolve();
    }
  });
}

/** FATAL_FLUSH_MS bounds how long a dying node waits for its report to leave. */
const FATAL_FLUSH_MS = 1000;
/** who names the node in what it prints (its id, once the config is read). */
let who = 'quorum-lab node';
let dying = false;
/** running: the node's host once started (halted when the node dies of an error). */
let running: NodeHost | null = null;

/** dieOf: an error nobody caught — print it, report it to the host (fatal.ts), exit 1. */
function dieOf(origin: NodeFatalOrigin, e: unknown): void {
  if (dying) return;
  dying = true;
  try {
    running?.stop(false);
  } catch {
    // Dying anyway: the report matters more.
  }
  const fatal = fatalReport(origin, e);
  process.stderr.write(`${who}: ${origin}: ${fatal.stack ?? fatal.message}\n`);
  const exit = (): never => process.exit(1);
  setTimeout(exit, FATAL_FLUSH_MS);
  void sendFlushed({ t: 'fatal', fatal }).then(exit);
}

/** runDamage is the one-shot damage run (NodeConfig.damage): damage the stopped node's file, report, exit. */
async function runDamage(cfg: NodeConfig): Promise<never> {
  let m: NodeToHost;
  try {
    m = { t: 'damage-done', what: damageStoreFile(cfg.dataFile, cfg.damage!) };
  } catch (e) {
    m = { t: 'damage-done', what: null, error: (e as Error).message };
  }
  await sendFlushed(m);
  if (m.t === 'damage-done' && m.error !== undefined) fail(1, `${cfg.id}: cannot damage ${cfg.dataFile}: ${m.error}`);
  process.exit(0);
}

async function loadConfig(): Promise<NodeConfig> {
  const argv = process.argv.slice(2);
  // Check everything else first, so a bad config is reported without waiting for a token.
  const early = parseConfigArgs(argv, 'placeholder');
  if (typeof early === 'string') fail(2, `bad config: ${early}`);
  // A damage run needs no cluster token: it talks to nobody but the host.
  if (early.damage !== undefined) return runDamage(early);
  let token: string;
  try {
    token = process.send ? await receiveToken(ipcChannel()) : await tokenFromStdin(TOKEN_WAIT_MS);
  } catch (e) {
    fail(2, `${early.id}: no cluster token: ${(e as Error).message}`);
  }
  const cfg = parseConfigArgs(argv, token);
  if (typeof cfg === 'string') fail(2, `bad config: ${cfg}`);
  return cfg;
}

async function run(): Promise<void> {
  // Run by hand and piped into `head`: a closed stdout must not kill the node.
  process.stdout.on('error', () => {});
  // The host dying while we wait for the token must not leave us behind.
  const orphaned = (): never => process.exit(0);
  process.on('disconnect', orphaned);
  process.on('uncaughtException', (e) => dieOf('uncaught-exception', e));
  process.on('unhandledRejection', (e) => dieOf('unhandled-rejection', e));
  const cfg = await loadConfig();
  who = `quorum-lab node ${cfg.id}`;
  let host: NodeHost;
  try {
    host = new NodeHost(cfg, send);
    running = host;
    await host.start();
  } catch (e) {
    process.stderr.write(`quorum-lab node ${cfg.id}: cannot start: ${(e as Error).stack ?? String(e)}\n`);
    process.exit(1);
  }
  const exit = (code: number): never => {
    host.stop();
    process.exit(code);
  };
  process.on('message', (raw: unknown) => {
    const m = validateHostToNode(raw);
    if (typeof m === 'string') {
      send({ t: 'event', kind: 'ipc-rejected', detail: { node: cfg.id, reason: m } });
      return;
    }
    switch (m.t) {
      case 'inspect':
        send({ t: 'inspect-reply', reqId: m.reqId, inspect: host.inspect(m.lastN, m.from) });
        return;
      case 'time-scale':
        host.setTimeScale(m.scale);
        return;
      case 'conf-change':
        send({ t: 'control-reply', reqId: m.reqId, reply: host.confChange(m.change) });
        return;
      case 'transfer':
        send({ t: 'control-reply', reqId: m.reqId, reply: host.transfer(m.to) });
        return;
      case 'shutdown':
        exit(0);
        return;
      case 'token':
        return; // the answer to our start-up request, already taken
      default:
        assertNever(m, 'ipc message');
    }
  });
  // The host died or closed the channel: a node must not outlive its lab.
  process.off('disconnect', orphaned);
  process.on('disconnect', () => exit(0));
  process.on('SIGTERM', () => exit(0));
  process.on('SIGINT', () => exit(0));
  armTestThrow(cfg.id);
}

void run();
