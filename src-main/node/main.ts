/**
 * The node process entry. The lab's supervisor starts it as
 *   child_process.fork('src-main/node/main.ts', ['--config', JSON.stringify(cfg)], { execArgv: ['--import', 'tsx'] })
 * and talks to it over the IPC channel (contract.ts NodeToHost / HostToNode).
 *
 * Exit codes: 0 shutdown (or the host went away), 1 a fatal error (printed on stderr),
 * 2 a bad config (printed on stderr).
 */
import { assertNever } from '../core/types';
import { parseConfigArgs } from './config';
import type { HostToNode, NodeToHost } from './contract';
import { describe, isObject } from './frames';
import { NodeHost } from './node-host';

/** MAX_INSPECT_ENTRIES bounds the entries one inspect reply carries. */
export const MAX_INSPECT_ENTRIES = 1000;

/** validateHostToNode checks an IPC message from the host; returns it or what is wrong. */
export function validateHostToNode(x: unknown): HostToNode | string {
  if (!isObject(x)) return 'ipc message must be an object';
  switch (x.t) {
    case 'inspect': {
      if (typeof x.reqId !== 'number' || !Number.isSafeInteger(x.reqId)) return 'inspect: reqId must be an integer';
      if (typeof x.lastN !== 'number' || !Number.isInteger(x.lastN) || x.lastN < 0 || x.lastN > MAX_INSPECT_ENTRIES)
        return `inspect: lastN must be an integer in [0, ${MAX_INSPECT_ENTRIES}]`;
      return { t: 'inspect', reqId: x.reqId, lastN: x.lastN };
    }
    case 'time-scale':
      if (typeof x.scale !== 'number' || !Number.isFinite(x.scale) || x.scale < 0.001 || x.scale > 1000)
        return 'time-scale: scale must be a number in [0.001, 1000]';
      return { t: 'time-scale', scale: x.scale };
    case 'shutdown':
      return { t: 'shutdown' };
    default:
      return `unknown ipc message t=${describe(x.t)}`;
  }
}

function send(m: NodeToHost): void {
  if (process.send && process.connected) process.send(m);
  else if (!process.send) process.stdout.write(`${JSON.stringify(m)}\n`); // run by hand: print what the host would get
}

async function run(): Promise<void> {
  // Run by hand and piped into `head`: a closed stdout must not kill the node.
  process.stdout.on('error', () => {});
  const cfg = parseConfigArgs(process.argv.slice(2));
  if (typeof cfg === 'string') {
    process.stderr.write(`quorum-lab node: bad config: ${cfg}\n`);
    process.exit(2);
  }
  let host: NodeHost;
  try {
    host = new NodeHost(cfg, send);
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
        send({ t: 'inspect-reply', reqId: m.reqId, inspect: host.inspect(m.lastN) });
        return;
      case 'time-scale':
        host.setTimeScale(m.scale);
        return;
      case 'shutdown':
        exit(0);
        return;
      default:
        assertNever(m, 'ipc message');
    }
  });
  // The host died or closed the channel: a node must not outlive its lab.
  process.on('disconnect', () => exit(0));
  process.on('SIGTERM', () => exit(0));
  process.on('SIGINT', () => exit(0));
}


void run();
