/**
 * `node --import tsx bench/router-cost.ts [--messages 40000] [--rounds 3]`: the lab
 * process's CPU per message the router forwards. A Router and its Recorder run in this
 * process (as in the lab's host); a sender and a receiver run as two child processes that
 * speak the node wire protocol (Hello, then message frames). The sender writes `--messages`
 * AppendEntries of one 256-byte put each (labelled, as a node labels them), four to a
 * write; the receiver counts them. Reported: this process's user + system CPU over the
 * run, per message — what the router costs the host, socket writes included — with the
 * load average, since the machine is shared. Not part of `npm run bench`.
 */
import { fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { describeMessage } from '../src-main/core/protocols';
import { Recorder } from '../src-main/lab/recorder';
import { Router } from '../src-main/lab/router';
import { RawFrameDecoder, encodeFrame } from '../src-main/node/frames';
import { encodeMsgFrame } from '../src-main/node/msg-frame';

const TOKEN = 'bench-token';

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : dflt;
  if (!Number.isInteger(v) || v <= 0) throw new Error(`--${name} must be a positive integer`);
  return v;
}

/** appendFrame is the i-th AppendEntries from n1 to n2, as node-host sends it. */
function appendFrame(i: number): Buffer {
  const data = JSON.stringify({ op: 'put', key: `key-${i % 10_000}`, value: 'v'.repeat(256), client: 'gw-1', seq: i });
  const msg = {
    type: 'append',
    from: 'n1',
    to: 'n2',
    term: 3,
    prevIndex: 100 + i,
    prevTerm: 3,
    entries: [{ index: 101 + i, term: 3, type: 'normal', data }],
    commit: 100 + i,
  };
  return encodeMsgFrame('append', msg, describeMessage('raft', msg));
}

/** peer is a child's side: connect as `id`, then send (n1) or count (n2) `n` messages. */
function peer(id: 'n1' | 'n2', port: number, n: number): void {
  const s = net.connect(port, '127.0.0.1');
  s.setNoDelay(true);
  s.write(encodeFrame({ t: 'hello', token: TOKEN, from: id }));
  if (id === 'n2') {
    const dec = new RawFrameDecoder();
    let got = 0;
    s.on('data', (c: Buffer) => {
      got += dec.push(c).frames.length;
      if (got >= n) process.send?.('done');
    });
    return;
  }
  process.on('message', () => {
    void (async () => {
      for (let i = 0; i < n; i += 4) {
        const b = Buffer.concat([appendFrame(i), appendFrame(i + 1), appendFrame(i + 2), appendFrame(i + 3)]);
        if (!s.write(b)) await new Promise((r) => s.once('drain', r));
        if (i % 64 === 0) await new Promise((r) => setImmediate(r));
      }
    })();
  });
}

/** round runs one measurement and prints it. */
async function round(n: number): Promise<void> {
  const rec = new Recorder();
  const router = new Router({ token: TOKEN, nodes: ['n1', 'n2'], recorder: rec, seed: 1, protocol: 'raft' });
  const port = await router.listen();
  const me = fileURLToPath(import.meta.url);
  const kids = (['n2', 'n1'] as const).map((id) =>
    fork(me, ['--peer', id, String(port), String(n)], { execArgv: ['--import', 'tsx'] }),
  );
  const [recv, send] = kids as [ReturnType<typeof fork>, ReturnType<typeof fork>];
  try {
    while (!(router.connected('n1') && router.connected('n2'))) await new Promise((r) => setTimeout(r, 10));
    const load = readFileSync('/proc/loadavg', 'utf8').split(' ')[0];
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const done = new Promise((r) => recv.once('message', r));
    send.send('go');
    await done;
    const cpu = process.cpuUsage(c0);
    const ms = performance.now() - t0;
    const per = (us: number): string => (us / n).toFixed(2);
    console.log(
      `${n} messages (${appendFrame(0).length} B frames) in ${ms.toFixed(0)} ms: router CPU ${per(cpu.user + cpu.system)} µs/message ` +
        `(user ${per(cpu.user)}, system ${per(cpu.system)}); load average ${load}`,
    );
  } finally {
    for (const k of kids) k.kill();
    await router.close();
    await rec.close();
  }
}

const peerAt = process.argv.indexOf('--peer');
if (peerAt >= 0) {
  const [id, port, n] = process.argv.slice(peerAt + 1);
  peer(id === 'n1' ? 'n1' : 'n2', Number(port), Number(n));
} else {
  const n = arg('messages', 40_000);
  const rounds = arg('rounds', 3);
  for (let i = 0; i < rounds; i++) await round(n);
}
