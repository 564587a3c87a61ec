/** The Balance panel's stores (rates, picker) and the locks store, against the fake LabClient with a fresh Pinia per test. */
import { createPinia, setActivePinia } from 'pinia';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { setLabClient } from '../../src-renderer/src/api/lab-client';
import { addSample, expiresIn, parseWeight, ratesOf, shareView } from '../../src-renderer/src/model/balance';
import { useBalanceStore } from '../../src-renderer/src/stores/balance';
import { useClusterStore } from '../../src-renderer/src/stores/cluster';
import { useConnectionStore } from '../../src-renderer/src/stores/connection';
import { useLocksStore } from '../../src-renderer/src/stores/locks';
import { FakeLabClient } from './fake-client';

let fake: FakeLabClient;

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date', 'setInterval', 'clearInterval', 'setTimeout', 'clearTimeout'] });
  vi.setSystemTime(1_000_000);
  setActivePinia(createPinia());
  fake = new FakeLabClient(3);
  setLabClient(fake);
});
afterEach(() => {
  setLabClient(null);
  vi.useRealTimers();
});

const round = (r: Record<string, number>) =>
  Object.fromEntries(Object.entries(r).map(([k, v]) => [k, Math.round(v * 10) / 10]));

describe('served counters to rates', () => {
  it('computes per-node requests per second from successive counters, over the window', () => {
    let s = addSample([], { t: 0, served: { n1: 0, n2: 0 } }, 4000);
    expect(ratesOf(s, 2000)).toEqual({});
    s = addSample(s, { t: 1000, served: { n1: 10, n2: 30 } }, 4000);
    expect(ratesOf(s, 2000)).toEqual({ n1: 10, n2: 30 });
    s = addSample(s, { t: 2000, served: { n1: 30, n2: 30 } }, 4000);
    // The window reaches back to t=0: (30-0)/2 s and (30-0)/2 s.
    expect(ratesOf(s, 2000)).toEqual({ n1: 15, n2: 15 });
    s = addSample(s, { t: 3000, served: { n1: 30, n2: 30 } }, 4000);
    expect(ratesOf(s, 2000)).toEqual({ n1: 10, n2: 0 });
  });

  it('a counter that went down restarted at zero (algorithm switched); a new node set starts over', () => {
    let s = addSample([], { t: 0, served: { n1: 100, n2: 100 } }, 4000);
    s = addSample(s, { t: 1000, served: { n1: 4, n2: 8 } }, 4000);
    expect(ratesOf(s, 2000)).toEqual({ n1: 4, n2: 8 });
    s = addSample(s, { t: 2000, served: { n1: 1, n2: 2, n3: 3 } }, 4000);
    expect(s).toHaveLength(1);
    expect(ratesOf(s, 2000)).toEqual({});
  });

  it('reads weights and lease times as a user types and reads them', () => {
    expect(parseWeight('n1', '3')).toBe(3);
    expect(parseWeight('n1', 0)).toBe(0);
    expect(parseWeight('n2', '1.5')).toContain('weight of n2 must be a whole number');
    expect(parseWeight('n2', '')).toContain('whole number');
    expect(parseWeight('n3', 1001)).toContain('0–1000');
    expect(expiresIn(10_000, 5_500)).toBe('4.5 s');
    expect(expiresIn(40_000, 5_000)).toBe('35 s');
    expect(expiresIn(5_000, 5_000)).toBe('expired');
  });
});

describe('the share column', () => {
  const nodes = [
    { id: 'n1', served: 10 },
    { id: 'n2', served: 20 },
    { id: 'n3', served: 31 },
  ];
  it('with requests flowing, gives each node its part of those served since the algorithm was set', () => {
    expect(shareView(nodes, { n1: 0, n2: 0, n3: 4 }, 5_000, 5_000)).toEqual({
      cells: { n1: '16%', n2: '33%', n3: '51%' },
      state: 'now',
      note: '',
    });
  });
  it('with none now, says the shares are of earlier requests and how long it has been quiet', () => {
    const v = shareView(nodes, { n1: 0, n2: 0, n3: 0 }, 5_000, 17_000);
    expect(v.state).toBe('idle');
    expect(v.cells).toEqual({ n1: '16%', n2: '33%', n3: '51%' });
    expect(v.note).toBe('no requests for 12 s · shares are of the last 61 requests');
    // Rates not read yet (a page just opened) count as none now; a last request not seen is not dated.
    expect(shareView(nodes, {}, null, 17_000).note).toBe('no requests now · shares are of the last 61 requests');
    expect(shareView(nodes, {}, 0, 300_000).note).toBe('no requests for 5 min · shares are of the last 61 requests');
    // Quiet for under a second: not "for 0 s".
    expect(shareView(nodes, {}, 16_600, 17_000).note).toBe('no requests now · shares are of the last 61 requests');
  });
  it('with none served since the algorithm was set, says so and shows no shares', () => {
    const v = shareView(
      nodes.map((n) => ({ ...n, served: 0 })),
      { n1: 0 },
      null,
      1000,
    );
    expect(v).toEqual({
      cells: { n1: '—', n2: '—', n3: '—' },
      state: 'none',
      note: 'no requests yet since the algorithm was set',
    });
  });
});

describe('useBalanceStore', () => {
  it('reads the cluster once a second and turns successive served counters into per-node rates', async () => {
    const cluster = useClusterStore();
    await useConnectionStore().connect();
    const bal = useBalanceStore();
    bal.start();
    await vi.advanceTimersByTimeAsync(0);
    // The gateway counts reads too, and nothing commits for them, so the lab sends no event.
    fake.view.nodes.forEach((n, i) => (n.served += 10 * (i + 1)));
    expect(bal.rates).toEqual({});
    await vi.advanceTimersByTimeAsync(1000);
    expect(round(bal.rates)).toEqual({ n1: 10, n2: 20, n3: 30 });
    fake.view.nodes.forEach((n, i) => (n.served += 10 * (i + 1)));
    await vi.advanceTimersByTimeAsync(1000);
    expect(round(bal.rates)).toEqual({ n1: 10, n2: 20, n3: 30 });
    expect(bal.shares.state).toBe('now');
    const busyAt = Date.now();
    expect(bal.lastServedAt).toBe(busyAt);
    // Three quiet seconds: the counters stand still and the rates fall to zero; the shares
    // are said to be of the requests before, quiet for 3 s.
    await vi.advanceTimersByTimeAsync(3000);
    expect(round(bal.rates)).toEqual({ n1: 0, n2: 0, n3: 0 });
    expect(bal.lastServedAt).toBe(busyAt);
    expect(bal.shares.state).toBe('idle');
    expect(bal.shares.note).toMatch(/^no requests for 3 s · shares are of the last \d+ requests$/);
    // The chart holds one point per read (rates over the last 2 s): busy, fading, quiet.
    expect(bal.series.map((p) => p.rates.n3 ?? null)).toEqual([null, 30, 30, 15, 0, 0]);
    expect(cluster.error).toBeNull();

    // A failed read puts no error on the page; the next read catches up.
    fake.failNext = 'connection refused';
    await vi.advanceTimersByTimeAsync(1000);
    expect(cluster.error).toBeNull();
    expect(bal.series).toHaveLength(6);

    bal.stop();
    const reads = fake.calls.filter((c) => c.method === 'cluster').length;
    await vi.advanceTimersByTimeAsync(5000);
    expect(fake.calls.filter((c) => c.method === 'cluster')).toHaveLength(reads);
  });

  it('an event older than a read does not count as a restart of the counters', async () => {
    await useConnectionStore().connect();
    const bal = useBalanceStore();
    bal.start();
    await vi.advanceTimersByTimeAsync(0);
    const stale = structuredClone(fake.view);
    fake.view.nodes.forEach((n) => (n.served += 100));
    await vi.advanceTimersByTimeAsync(1000);
    // The coalesced event made before the read arrives after it.
    fake.emit({ type: 'cluster', cluster: stale });
    fake.view.nodes.forEach((n) => (n.served += 100));
    await vi.advanceTimersByTimeAsync(1000);
    expect(round(bal.rates)).toEqual({ n1: 100, n2: 100, n3: 100 });
    bal.stop();
  });

  it('a new run starts the chart over', async () => {
    const cluster = useClusterStore();
    await useConnectionStore().connect();
    const bal = useBalanceStore();
    bal.start();
    await vi.advanceTimersByTimeAsync(0);
    fake.view.nodes[0]!.served = 50;
    await vi.advanceTimersByTimeAsync(1000);
    expect(bal.rates.n1).toBe(50);
    await cluster.createCluster({ nodes: 5 });
    await vi.advanceTimersByTimeAsync(1000);
    expect(bal.rates).toEqual({});
    expect(bal.series).toEqual([{ t: Date.now(), rates: {} }]);
    bal.stop();
  });

  it('applies the picked algorithm with the typed weights through setBalance, and shows the new distribution', async () => {
    const cluster = useClusterStore();
    await useConnectionStore().connect();
    const bal = useBalanceStore();
    bal.loadPicker();
    expect(bal.picked).toBe('leader-only');
    expect(bal.usesWeights).toBe(false);
    bal.picked = 'weighted-round-robin';
    expect(bal.usesWeights).toBe(true);
    expect(bal.weights).toEqual({ n1: 1, n2: 1, n3: 1 });
    bal.weights.n2 = 2;
    bal.weights.n3 = '3';
    expect(await bal.apply()).toBe(true);
    expect(fake.calls.at(-1)).toEqual({
      method: 'setBalance',
      args: ['weighted-round-robin', { n1: 1, n2: 2, n3: 3 }],
    });
    expect(cluster.live?.balance).toEqual({ algorithm: 'weighted-round-robin', weights: { n1: 1, n2: 2, n3: 3 } });

    // Unweighted algorithms send no weights.
    bal.picked = 'least-connections';
    expect(await bal.apply()).toBe(true);
    expect(fake.calls.at(-1)).toEqual({ method: 'setBalance', args: ['least-connections', undefined] });
  });

  it('the counters restart on a switch, and the rates follow the new split', async () => {
    const cluster = useClusterStore();
    await useConnectionStore().connect();
    const bal = useBalanceStore();
    bal.start();
    await vi.advanceTimersByTimeAsync(0);
    fake.view.nodes.forEach((n) => (n.served += 100));
    await vi.advanceTimersByTimeAsync(1000);
    expect(round(bal.rates)).toEqual({ n1: 100, n2: 100, n3: 100 });
    bal.picked = 'weighted-round-robin';
    Object.assign(bal.weights, { n1: 1, n2: 2, n3: 3 });
    await bal.apply();
    expect(cluster.live?.nodes.map((n) => n.served)).toEqual([0, 0, 0]);
    fake.view.nodes.forEach((n, i) => (n.served += 50 * (i + 1)));
    await vi.advanceTimersByTimeAsync(1000);
    expect(round(bal.rates)).toEqual({ n1: 50, n2: 100, n3: 150 });
    bal.stop();
  });

  it('refuses bad weights with a clear error and asks the lab nothing', async () => {
    await useConnectionStore().connect();
    const bal = useBalanceStore();
    bal.loadPicker();
    bal.picked = 'random-weighted';
    bal.weights.n1 = -1;
    expect(await bal.apply()).toBe(false);
    expect(bal.formError).toContain('weight of n1 must be a whole number 0–1000');
    Object.assign(bal.weights, { n1: 0, n2: 0, n3: 0 });
    expect(await bal.apply()).toBe(false);
    expect(bal.formError).toContain('at least one weight');
    expect(fake.calls.some((c) => c.method === 'setBalance')).toBe(false);
    // A refusal from the lab is shown too.
    bal.weights.n1 = 1;
    fake.failNext = 'no cluster is running';
    expect(await bal.apply()).toBe(false);
    expect(bal.formError).toBe('no cluster is running');
  });
});

describe('useLocksStore', () => {
  it('asks the leader for its locks about once a second while shown', async () => {
    await useConnectionStore().connect();
    fake.locksHeld = [
      { name: 'L', owner: 'alice', token: 42, expiresAt: 1_030_000 },
      { name: 'A', owner: 'bob', token: 7, expiresAt: 1_010_000 },
    ];
    const ls = useLocksStore();
    ls.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(ls.from).toBe('n1');
    expect(ls.locks?.map((l) => `${l.name}:${l.owner}:${l.token}`)).toEqual(['A:bob:7', 'L:alice:42']);
    expect(fake.calls.filter((c) => c.method === 'inspect').map((c) => c.args[0])).toEqual(['n1']);

    // n2 wins a newer term; the old leader n1 still thinks it leads.
    const v = structuredClone(fake.view);
    v.nodes[1]!.role = 'leader';
    v.nodes[1]!.term = 2;
    fake.view = v;
    fake.emit({ type: 'cluster', cluster: structuredClone(v) });
    fake.locksHeld = [];
    await vi.advanceTimersByTimeAsync(1000);
    expect(fake.calls.filter((c) => c.method === 'inspect').map((c) => c.args[0])).toEqual(['n1', 'n2']);
    expect(ls.from).toBe('n2');
    expect(ls.locks).toEqual([]);

    ls.stop();
    await vi.advanceTimersByTimeAsync(3000);
    expect(fake.calls.filter((c) => c.method === 'inspect')).toHaveLength(2);
  });

  it('shows no locks, with the reason, when there is no leader or it does not answer', async () => {
    const cluster = useClusterStore();
    await useConnectionStore().connect();
    const ls = useLocksStore();
    fake.locksHeld = [{ name: 'L', owner: 'alice', token: 42, expiresAt: 1_030_000 }];
    await ls.poll();
    expect(ls.locks).toHaveLength(1);

    await cluster.crash('n1');
    await ls.poll();
    expect(ls.locks).toBeNull();
    expect(ls.reason).toBe('no leader: an election is in progress');

    await cluster.crash('n2');
    await ls.poll();
    expect(ls.reason).toBe('no leader: only 1 of 3 nodes are up (no quorum)');
    expect(fake.calls.filter((c) => c.method === 'inspect')).toHaveLength(1);

    await cluster.restart('n1');
    const v = structuredClone(fake.view);
    v.nodes[0]!.role = 'leader';
    fake.view = v;
    fake.emit({ type: 'cluster', cluster: structuredClone(v) });
    fake.failNext = 'n1 did not answer within 2000 ms';
    await ls.poll();
    expect(ls.locks).toBeNull();
    expect(ls.reason).toBe('n1 did not answer: n1 did not answer within 2000 ms');
  });
});
