/**
 * `node --import tsx bench/spacetime-layout.ts [--baseline DIR] [--rounds N]`: the CPU time of
 * one space-time diagram layout (layoutDiagram, labels placed) on a busy 2 s window of 5
 * nodes: heartbeats folded into ♥N counts, one node cut off (its heartbeats and votes dropped),
 * appends and their answers every 23 ms; at the Messages panel's size (360×200) and the large
 * view's (1300×520). With --baseline, the other checkout's src-main/report is loaded too and
 * the two are measured alternately, round by round. Prints CPU ms per layout.
 */
import path from 'node:path';

const args = process.argv.slice(2);
const opt = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const rounds = Math.max(1, Math.min(20, Number(opt('--rounds') ?? 3) || 3));
const base = opt('--baseline');
const MS = 1e6;

interface Tree {
  name: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  layout: (w: number, h: number) => any;
}

async function tree(root: string, name: string): Promise<Tree> {
  const { messageLogOf } = await import(path.resolve(root, 'src-main/report/message-log.ts'));
  const { layoutDiagram } = await import(path.resolve(root, 'src-main/report/spacetime.ts'));
  const recs: Record<string, unknown>[] = [];
  let id = 0;
  const send = (tMs: number, from: string, to: string, msgKind: string, label: string, drop: boolean, took = 6) => {
    const b = { id: ++id, from, to, type: msgKind, msgKind, term: 2 };
    recs.push({ t: tMs * MS, seq: 0, kind: 'send', ...b, label });
    recs.push(
      drop
        ? { t: (tMs + 3) * MS, seq: 0, kind: 'drop', ...b, reason: 'partition' }
        : { t: (tMs + took) * MS, seq: 0, kind: 'deliver', ...b },
    );
  };
  for (let t = 0; t < 2000; t += 50) {
    for (const to of ['n2', 'n3', 'n4', 'n5']) send(t, 'n1', to, 'heartbeat', 'Heartbeat t2', to === 'n5');
    for (const from of ['n2', 'n3', 'n4', 'n5'])
      send(t + 8, from, 'n1', 'heartbeat', 'HeartbeatResp t2', from === 'n5');
  }
  for (let t = 20; t < 2000; t += 23) {
    send(t, 'n1', ['n2', 'n3', 'n4', 'n5'][t % 4]!, 'append', `AppendEntries t2 [${t}] c=${t}`, t % 4 === 3, 30);
    send(t + 9, 'n3', 'n1', 'append', `AppendResp t2 → ok, match ${300 + t}`, false, 30);
    send(t + 5, 'n5', ['n2', 'n4'][t % 2]!, 'vote', 'PreVote? t3 log 9@t2', true);
  }
  recs.sort((a, b) => (a.t as number) - (b.t as number));
  recs.forEach((r, i) => (r.seq = i + 1));
  const log = messageLogOf(recs);
  const nodes = ['n1', 'n2', 'n3', 'n4', 'n5'];
  const layout = (width: number, height: number) =>
    layoutDiagram(log, {
      from: 0,
      to: 2000 * MS,
      now: 2000 * MS,
      width,
      height,
      orientation: 'horizontal',
      foldHeartbeats: true,
      cursor: null,
      nodes,
    });
  return { name, layout };
}

const trees = [await tree('.', 'this tree')];
if (base) trees.push(await tree(base, `baseline ${base}`));
const N = 400;
for (let r = 1; r <= rounds; r++)
  for (const t of trees)
    for (const [w, h] of [
      [360, 200],
      [1300, 520],
    ] as const) {
      for (let i = 0; i < 50; i++) t.layout(w, h);
      const c0 = process.cpuUsage();
      for (let i = 0; i < N; i++) t.layout(w, h);
      const c = process.cpuUsage(c0);
      const s = t.layout(w, h);
      console.log(
        `round ${r} ${t.name} ${w}x${h}: ${((c.user + c.system) / 1000 / N).toFixed(3)} ms CPU per layout ` +
          `(${s.arrows.length} arrows, ${s.folds.length} folds, labels shown ${s.labels.shown}, hidden ${s.labels.crowded})`,
      );
    }
