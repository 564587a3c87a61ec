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
import type { NodeToHost } from './contract';
import { validateHostToNode } from './ipc';
import { NodeHost } from './node-host';

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
