/**
 * The supervisor tells the lab a node process exited (SupervisorEvents.onExit) with the
 * error the node reported dying of (node/fatal.ts). A report still in the IPC channel when
 * the process exits is waited for, briefly — but a restart of that node in the meantime
 * must not overtake the old process's exit: the lab would drop the new process's
 * connections and record the old death after the new start. Driven with a stand-in child
 * process, so the order of the channel's events is the test's to choose.
 */
import { EventEmitter } from 'node:events';
import type { ChildProcess } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import type { NodeConfig, NodeFatal } from '../../src-main/node/contract';
import { liveNodes } from '../../src-main/lab/node-spawn';
import { Supervisor, type SupervisorEvents } from '../../src-main/lab/supervisor';

/** FakeChild is the part of a forked node process the supervisor uses. */
class FakeChild extends EventEmitter {
  connected = true;
  stdout = null;
  stderr = null;
  killed = false;
  constructor(readonly pid: number) {
    super();
  }
  send(): boolean {
    return true;
  }
  kill(): boolean {
    this.killed = true;
    return true;
  }
  disconnect(): void {
    this.connected = false;
    this.emit('disconnect');
  }
}

const cfg = (id: string): NodeConfig =>
  ({
    id,
    peers: ['n1'],
    protocol: 'raft',
    dataFile: `/nonexistent/${id}.sqlite`,
    routerHost: '127.0.0.1',
    routerPort: 1,
    clientPort: 0,
    token: 'x'.repeat(32),
    heartbeatMs: 100,
    electionMs: 1000,
    tickMs: 10,
    timeScale: 1,
    seed: 1,
    snapshotEvery: 0,
  }) as NodeConfig;

const FATAL: NodeFatal = { origin: 'uncaught-exception', message: 'Error: boom', stack: 'Error: boom\n    at here' };

function setup() {
  const log: string[] = [];
  const fatals: (NodeFatal | null)[] = [];
  const children: FakeChild[] = [];
  const events: SupervisorEvents = {
    onReady: () => {},
    onStatus: () => {},
    onEvent: () => {},
    onExit: (h, code, _signal, _expected, fatal) => {
      log.push(`exit ${h.id} pid ${children.length} code ${code}`);
      fatals.push(fatal);
    },
  };
  const spawn = (): ChildProcess => {
    const c = new FakeChild(1000 + children.length + 1);
    children.push(c);
    log.push(`spawn pid ${children.length}`);
    return c as unknown as ChildProcess;
  };
  return { sup: new Supervisor([cfg('n1')], spawn, events), log, fatals, children };
}

afterEach(() => {
  for (const p of [...liveNodes]) if (p instanceof FakeChild) liveNodes.delete(p);
});

describe('Supervisor: a node exit and the report it sent before it', () => {
  it('a fatal report read after the exit, before the channel closes, is in the exit it tells', () => {
    const { sup, log, fatals, children } = setup();
    sup.start('n1');
    const c = children[0]!;
    c.emit('exit', 1, null);
    expect(log).toEqual(['spawn pid 1']); // waiting for the rest of the channel
    c.emit('message', { t: 'fatal', fatal: FATAL });
    c.disconnect();
    expect(log).toEqual(['spawn pid 1', 'exit n1 pid 1 code 1']);
    expect(fatals).toEqual([FATAL]);
  });

  it('a restart while the old exit waits for its report tells that exit first, once', () => {
    const { sup, log, fatals, children } = setup();
    sup.start('n1');
    children[0]!.emit('exit', 1, null);
    sup.start('n1');
    expect(log).toEqual(['spawn pid 1', 'exit n1 pid 1 code 1', 'spawn pid 2']);
    // The old channel closing later tells nothing more.
    children[0]!.disconnect();
    expect(log).toHaveLength(3);
    expect(fatals).toEqual([null]);
  });
});
