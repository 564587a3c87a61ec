/**
 * runShardedSimulation: one seeded run of a sharded cluster in the simulator — clients
 * writing and reading through the sharded gateway while shards move between groups and
 * nodes crash and restart in every group — then the verdicts: every group's safety
 * invariants, the client history linearizable per key across the moves, and every key with
 * an acknowledged write reading back a value that could be its last (nothing lost). The
 * same seed gives the same run (the run's fingerprint is its history and shard events).
 *
 * After the heal the run also checks liveness, as the one-group simulator does (run.ts):
 * the shards must settle (every group on the newest configuration, no shard moving) within
 * SETTLE_MS, and then a fresh client — a gateway of its own, with sessions nobody used
 * before — writes a key of every shard and reads it back (probeAfterHeal). A group that
 * no longer serves, or serves reads but drops new writes, is reported as a liveness
 * violation of that group.
 */
import type { HistoryOp } from '../../api/contract';
import { DEFAULT_VNODES } from '../../api/shards';
import type { KvOp } from '../../core/kv/types';
import type { ProtocolName } from '../../core/protocols';
import type { ShardScheme } from '../../core/shard/config';
import type { NodeId } from '../../core/types';
import { shardOf } from '../../core/shard/config';
import { checkConsistency, linearizability } from '../../lab/check';
import { RELIABLE } from '../network';
import { streamRng } from '../random';
import { PROBE_TIMEOUTS } from '../run';
import { ShardLayer } from './shard-layer';
import { SHARD_STREAM, ShardedSim } from './sharded-sim';

/**
 * SWEEP_PAGE_CHARS is the page length of a sweep's moving shards. The lab's pages are
 * 128 Ki characters, more than a whole shard of a sweep's few keys holds; pages this small
 * make a shard of a few keys and its sessions move in several, so the sweep's crashes and
 * cuts land between pages and the resend and resume rules run.
 */
export const SWEEP_PAGE_CHARS = 64;

/** ShardedRunOptions shape one run. */
export interface ShardedRunOptions {
  seed: number;
  protocol?: ProtocolName;
  groups: number;
  shards: number;
  scheme?: 'range' | 'ring';
  /** vnodes: a ring scheme's virtual nodes per shard (default 64, serve's). */
  vnodes?: number;
  perGroup?: number;
  /** moves: how many shard moves to ask for while the clients run. */
  moves: number;
  /** crashes: how many node crashes (each restarted later) to throw in while the clients run. */
  crashes?: number;
  /** partitions: how many times a node is cut off from every other (within its group and between groups), then healed. */
  partitions?: number;
  clients?: number;
  /** ops: how many requests each client sends. */
  ops?: number;
  keys?: number;
  /** pageChars: the length of a moving shard's pages (default SWEEP_PAGE_CHARS: most shards move in several). */
  pageChars?: number;
  /** loss: the probability any message is lost (also what travels between groups). */
  loss?: number;
  /** probe: after the heal, a fresh client writes and reads back a key of every shard (default true; see the file comment). */
  probe?: boolean;
  /** onHeal is called once every fault is mended, before the liveness checks (tests break things here). */
  onHeal?: (sim: ShardedSim) => void;
}

/** SETTLE_MS bounds, in virtual time, how long the shards may take to settle after the heal. */
export const SETTLE_MS = 60_000;

/** PROBE_PREFIX starts the keys the probe writes (the clients' keys are k0..). */
export const PROBE_PREFIX = 'probe-s';

/** ShardedRunResult is what one run found. */
export interface ShardedRunResult {
  seed: number;
  /** scheme: how the run mapped keys to shards. */
  scheme: ShardScheme;
  ok: number;
  fail: number;
  unknown: number;
  /**
   * moves: moves asked for, made by the controller and installed; `pages`: parts the
   * destinations took, `repeats`: parts proposed again that a destination already held,
   * `resumed`: pulls started again past part 0 after one was cut short.
   */
  moves: { asked: number; made: number; installed: number; pages: number; repeats: number; resumed: number };
  linearizable: boolean | null;
  linearizability: string;
  durable: string;
  /** violations: invariants broken, a non-linearizable history, lost writes — empty when the run is clean. */
  violations: string[];
  history: HistoryOp[];
  events: { t: number; kind: string; detail: Record<string, unknown> }[];
  /** probe: shards the probe after the heal wrote a key of, and of those how many it read back (null: no probe). */
  probe: { shards: number; ok: number } | null;
  simMs: number;
}

/** runShardedSimulation plays one seeded run (see the file comment). */
export async function runShardedSimulation(o: ShardedRunOptions): Promise<ShardedRunResult> {
  const sim = makeSim(o);
  // The coordinator's layer moves shards; the clients go through a gateway of their own,
  // which learns of a move only from a wrong-group answer (a router that lags).
  const layer = new ShardLayer(sim);
  const gw = new ShardLayer(sim, { name: 'k', coordinate: false });
  await drive(sim, layer.start(), 20_000);
  await drive(sim, waitSettled(sim, layer), 20_000);
  await drive(sim, gw.start(), 20_000);
  const counts = { ok: 0, fail: 0, unknown: 0 };
  const moves = { asked: 0, made: 0, installed: 0, pages: 0, repeats: 0, resumed: 0 };
  const clients = Array.from({ length: o.clients ?? 8 }, (_, c) => client(o, sim, gw, c, counts));
  await drive(sim, Promise.all([...clients, chaos(o, sim, layer, moves)]), 600_000);
  // Mend everything, let the moves finish, then read every key back.
  sim.heal();
  for (const id of sim.ids) sim.restart(id);
  o.onHeal?.(sim);
  const healedAt = sim.now;
  const settled =
    (await drive(
      sim,
      waitSettled(sim, layer, healedAt).then(() => true),
      SETTLE_MS,
    )) === true;
  // Shards that never settle are one report; a probe would only time out behind it.
  if (!settled) unsettled(sim, layer, healedAt);
  const probe = settled && o.probe !== false ? await probeAfterHeal(sim) : null;
  const durable = await drive(
    sim,
    checkConsistency(gw.history.slice(), async (key) => {
      // A read that failed observed nothing: ask again (a leader may just be changing hands after the heal).
      let r = await gw.request({ op: 'get', key }, 5000);
      for (let i = 0; i < 4 && r.outcome !== 'ok'; i++) r = await gw.request({ op: 'get', key }, 5000);
      return { outcome: r.outcome, result: r.outcome === 'ok' ? { ok: true, value: r.value } : null };
    }),
    120_000,
  );
  layer.close();
  const count = (kind: string, also: (d: Record<string, unknown>) => boolean = () => true): number =>
    layer.events.filter((e) => e.kind === kind && also(e.detail)).length;
  moves.installed = count('shard-installed');
  moves.pages = count('shard-part');
  moves.repeats = count('shard-part-repeat');
  moves.resumed = count('shard-pull', (d) => typeof d.part === 'number' && d.part > 0);
  const lin = linearizability(gw.history, 20_000);
  const violations = [...sim.violations()];
  if (lin.linearizable === false) violations.push(`linearizability: ${lin.summary}`);
  if (!durable?.ok) violations.push(`durable: ${durable?.summary ?? 'the read-back did not finish'}`);
  return {
    seed: o.seed,
    scheme: sim.scheme,
    ...counts,
    moves,
    linearizable: lin.linearizable,
    linearizability: lin.summary,
    durable: durable?.summary ?? 'did not finish',
    violations,
    history: gw.history,
    events: layer.events,
    probe,
    simMs: sim.now,
  };
}

function makeSim(o: ShardedRunOptions): ShardedSim {
  const scheme: ShardScheme =
    o.scheme === 'ring'
      ? { kind: 'ring', shards: o.shards, vnodes: o.vnodes ?? DEFAULT_VNODES }
      : { kind: 'range', shards: o.shards };
  return new ShardedSim({
    seed: o.seed,
    protocol: o.protocol ?? 'raft',
    groups: o.groups,
    perGroup: o.perGroup ?? 3,
    scheme,
    tickMs: 10,
    heartbeatTicks: 5,
    electionTicks: 50,
    diskMs: [0.05, 1],
    snapshotEvery: 100,
    network: { ...RELIABLE, drop: o.loss ?? 0 },
    pageChars: o.pageChars ?? SWEEP_PAGE_CHARS,
  });
}

/** unsettled reports, as a liveness violation of each group concerned, shards that did not settle after the heal. */
function unsettled(sim: ShardedSim, layer: ShardLayer, healedAt: number): void {
  const cfg = layer.config;
  const after = `${Math.round(sim.now - healedAt)} ms after the heal`;
  const stuck = sim.groups.filter((g) => cfg.groups[g.id]);
  let told = false;
  for (const g of stuck) {
    const st = layer.statuses.get(g.id);
    const why =
      st === undefined
        ? 'the coordinator cannot read its shard status'
        : st.config !== cfg.num
          ? `it is on configuration ${st.config}, not ${cfg.num}`
          : st.shards.some((s) => s.status !== 'serving')
            ? `shard(s) ${st.shards
                .filter((s) => s.status !== 'serving')
                .map((s) => `${s.shard} ${s.status}`)
                .join(', ')}`
            : (layer.statusAskedAt.get(g.id) ?? -1) < healedAt
              ? 'the coordinator has read no shard status of it since the heal'
              : null;
    if (why === null) continue;
    told = true;
    g.cluster.checker.report('liveness', null, `the shards did not settle ${after}: ${why}`);
  }
  if (!told) sim.controller.cluster.checker.report('liveness', null, `no configuration settled ${after}`);
}

/** probeKey is the first key PROBE_PREFIX + shard + '-' + i that maps to `shard` (null if none of the first tries does). */
export function probeKey(sim: ShardedSim, shard: number): string | null {
  for (let i = 0; i < 10_000; i++) {
    const key = `${PROBE_PREFIX}${shard}-${i}`;
    if (shardOf(sim.scheme, key) === shard) return key;
  }
  return null;
}

/**
 * probeAfterHeal: the clients stop before the heal and the read-back only reads, so a
 * group that still answers reads but takes no new write (or none from a client it never
 * heard of) would pass every other check. A fresh gateway (sessions nobody used before)
 * writes a key of every shard and reads it back; within PROBE_TIMEOUTS election timeouts
 * the write must be acknowledged and the read return it. A failure is a liveness
 * violation of the group serving the shard, once per group.
 */
async function probeAfterHeal(sim: ShardedSim): Promise<{ shards: number; ok: number }> {
  const probe = new ShardLayer(sim, { name: 'p', coordinate: false });
  const electionMs = Math.max(...sim.all.map((g) => g.cluster.electionMs));
  const bound = PROBE_TIMEOUTS * electionMs;
  const started = sim.now;
  await drive(sim, probe.start(), bound);
  const failed = new Map<string, string[]>();
  const fail = (shard: number, key: string | null, why: string): void => {
    const group = probe.config.shards[shard] ?? '?';
    failed.set(group, [...(failed.get(group) ?? []), `shard ${shard} ('${key}'): ${why}`]);
  };
  const pending = new Set<number>();
  const tally = { shards: 0, ok: 0 };
  const one = async (shard: number): Promise<void> => {
    const key = probeKey(sim, shard);
    if (key === null) return;
    pending.add(shard);
    tally.shards++;
    const deadline = started + bound;
    const value = `probe-${sim.seed}-${shard}`;
    const w = await probe.request({ op: 'put', key, value }, Math.max(1, deadline - sim.now));
    const r = w.outcome === 'ok' ? await probe.request({ op: 'get', key }, Math.max(1, deadline - sim.now)) : null;
    let why: string | null = null;
    if (w.outcome !== 'ok')
      why = `the write was answered ${w.outcome}${w.error ? ` (${w.error})` : ''}, not acknowledged`;
    else if (r?.outcome !== 'ok' || r.value !== value)
      why = `the read was answered ${r?.outcome} ${JSON.stringify(r?.value ?? null)}, not the acknowledged ${JSON.stringify(value)}`;
    pending.delete(shard);
    if (why === null) tally.ok++;
    else fail(shard, key, why);
  };
  await drive(sim, Promise.all(Array.from({ length: sim.scheme.shards }, (_, s) => one(s))), 2 * bound);
  probe.close();
  for (const shard of pending) fail(shard, probeKey(sim, shard), 'not answered');
  for (const [id, list] of failed) {
    const g = sim.group(id) ?? sim.controller;
    const more = list.length > 1 ? ` (and ${list.length - 1} more shard(s))` : '';
    g.cluster.checker.report(
      'liveness',
      null,
      `the probe from ${Math.round(started)} ms, a fresh client writing a key of each shard and reading it back within ${PROBE_TIMEOUTS} election timeouts (${bound} ms): ${list[0]}${more}`,
    );
  }
  return tally;
}

/** client `c` puts, compare-and-sets and reads random keys through the gateway, `ops` times. */
async function client(
  o: ShardedRunOptions,
  sim: ShardedSim,
  gw: ShardLayer,
  c: number,
  counts: Record<'ok' | 'fail' | 'unknown', number>,
): Promise<void> {
  const my = streamRng(o.seed, SHARD_STREAM, 300 + c);
  const seen = new Map<string, string | null>();
  for (let i = 0; i < (o.ops ?? 60); i++) {
    const key = `k${Math.floor(my.next() * (o.keys ?? 32))}`;
    const value = `c${c}-${i}`;
    const x = my.next();
    // A cas expects what this client last read of the key: a cas applied twice shows as one that failed yet took effect.
    const op: KvOp =
      x < 0.45
        ? { op: 'put', key, value }
        : x < 0.65
          ? { op: 'cas', key, expected: seen.get(key) ?? null, value }
          : { op: 'get', key };
    const r = await gw.request(op, 3000);
    if (op.op === 'get' && r.outcome === 'ok') seen.set(key, r.value);
    counts[r.outcome]++;
    await sim.sleep(1 + my.next() * 20);
  }
}

/** chaos throws the run's moves, crashes and cut-off nodes in, in an order and at times drawn from the seed. */
async function chaos(
  o: ShardedRunOptions,
  sim: ShardedSim,
  layer: ShardLayer,
  moves: { asked: number; made: number },
): Promise<void> {
  const rng = streamRng(o.seed, SHARD_STREAM, 200);
  const kinds = [
    ...Array<string>(o.moves).fill('move'),
    ...Array<string>(o.crashes ?? 0).fill('crash'),
    ...Array<string>(o.partitions ?? 0).fill('partition'),
  ];
  while (kinds.length > 0) {
    await sim.sleep(200 + rng.next() * 600);
    const kind = kinds.splice(Math.floor(rng.next() * kinds.length), 1)[0];
    if (kind === 'crash') void crashOne(sim, rng);
    else if (kind === 'partition') void isolateOne(sim, rng);
    else {
      moves.asked++;
      const shard = Math.floor(rng.next() * o.shards);
      // Another group than the one serving it (the newest configuration the coordinator knows).
      const others = sim.groups.filter((g) => !g.spare && g.id !== layer.config.shards[shard]);
      const to = others[Math.floor(rng.next() * others.length)]?.id ?? 'g1';
      if ((await layer.change({ op: 'move', shard, group: to })) !== null) continue;
      moves.made++;
      // With faults on, half the moves lose the destination's leader once a page is in: the pull resumes.
      if ((o.crashes ?? 0) > 0 && rng.next() < 0.5) void crashMidMove(sim, layer, to, rng);
    }
  }
}

/** crashOne crashes a running node of a random group (never a group's last majority), and restarts it later. */
async function crashOne(sim: ShardedSim, rng: { next(): number }): Promise<void> {
  const g = sim.all[Math.floor(rng.next() * sim.all.length)]!;
  const up = g.cluster.nodes.filter((n) => n.state === 'up');
  // Keep a majority of every group running: a crash tests recovery, not a group's loss.
  if (up.length - 1 <= g.nodes.length / 2) return;
  const victim: NodeId = up[Math.floor(rng.next() * up.length)]!.id;
  sim.crash(victim);
  await sim.sleep(300 + rng.next() * 1500);
  sim.restart(victim);
}

/** crashMidMove crashes group `to`'s leader as soon as it takes a page of a shard on its way there (a majority kept), and restarts it later. */
async function crashMidMove(sim: ShardedSim, layer: ShardLayer, to: string, rng: { next(): number }): Promise<void> {
  const seen = layer.events.length;
  const g = sim.group(to);
  for (let waited = 0; g && waited < 3000; waited++) {
    await sim.sleep(1);
    if (!layer.events.slice(seen).some((e) => e.kind === 'shard-part' && e.detail.to === to)) continue;
    const victim = sim.leaderOf(g);
    if (victim === null || g.cluster.nodes.filter((n) => n.state === 'up').length - 1 <= g.nodes.length / 2) return;
    sim.crash(victim);
    await sim.sleep(300 + rng.next() * 1500);
    sim.restart(victim);
    return;
  }
}

/** isolateOne cuts one node (a group's leader half the time) off from every other node for a while, then heals. */
async function isolateOne(sim: ShardedSim, rng: { next(): number }): Promise<void> {
  const g = sim.all[Math.floor(rng.next() * sim.all.length)]!;
  const victim = (rng.next() < 0.5 ? sim.leaderOf(g) : null) ?? g.nodes[Math.floor(rng.next() * g.nodes.length)]!;
  sim.partition([[victim], sim.ids.filter((id) => id !== victim)]);
  await sim.sleep(300 + rng.next() * 1500);
  sim.heal();
}

/**
 * waitSettled resolves once every joined group has taken the newest configuration and no
 * shard is moving, as told by status reads the coordinator sent at or after `since`
 * (virtual ms): after a heal, a read asked before it may describe the cluster before it.
 */
export async function waitSettled(sim: ShardedSim, layer: ShardLayer, since = 0): Promise<void> {
  for (;;) {
    await sim.sleep(50);
    const cfg = layer.config;
    const joined = sim.groups.filter((g) => cfg.groups[g.id]);
    const settled =
      cfg.num > 0 &&
      joined.every((g) => {
        const st = layer.statuses.get(g.id);
        return (
          st !== undefined &&
          (layer.statusAskedAt.get(g.id) ?? -1) >= since &&
          st.config === cfg.num &&
          st.shards.every((s) => s.status === 'serving')
        );
      });
    if (settled) return;
  }
}

/** drive runs the simulation until `p` settles or `maxMs` of virtual time pass; resolves with its value (undefined if it did not settle). */
export async function drive<T>(sim: ShardedSim, p: Promise<T>, maxMs: number): Promise<T | undefined> {
  let done = false;
  let value: T | undefined;
  void p.then((v) => {
    done = true;
    value = v;
  });
  const end = sim.now + maxMs;
  while (!done && sim.now < end) await sim.runFor(10);
  return value;
}
