/**
 * useBalanceStore feeds the Balance panel: requests per node per second from the served
 * counters of successive ClusterViews (read once a second while shown), a short history of
 * those rates for the chart, and the algorithm picker, applied through the cluster store.
 */
import { defineStore } from 'pinia';
import { computed, reactive, ref, shallowRef } from 'vue';
import type { BalanceAlgorithm, ClusterView } from '../../../src-main/api/contract';
import { addSample, parseWeight, ratesOf, shareView, WEIGHTED_ALGORITHMS, type ServedSample } from '../model/balance';
import { useClusterStore } from './cluster';

/** RATE_WINDOW_MS: rates are averaged over about this long, so one burst does not flicker the bars. */
export const RATE_WINDOW_MS = 2000;
/** SERIES_LEN: seconds of rate history the chart shows. */
export const SERIES_LEN = 60;

/** RatePoint is the rates of every node at one tick. */
export interface RatePoint {
  t: number;
  rates: Record<string, number>;
}

export const useBalanceStore = defineStore('balance', () => {
  const cluster = useClusterStore();
  const samples = shallowRef<ServedSample[]>([]);
  const series = shallowRef<RatePoint[]>([]);
  const rates = computed(() => ratesOf(samples.value, RATE_WINDOW_MS));
  /** lastServedAt: when a read last saw a served counter move (null: not since the page opened, or the run began). */
  const lastServedAt = ref<number | null>(null);
  /** sampledAt: when the counters were last read (the share note's "ago" counts from it). */
  const sampledAt = ref(0);
  /** shares: what the share column says — of requests served now, of earlier ones (labelled so), or none yet. */
  const shares = computed(() => shareView(cluster.live?.nodes ?? [], rates.value, lastServedAt.value, sampledAt.value));
  /** picked / weights: the picker's state, loaded from the lab's current balance. */
  const picked = ref<BalanceAlgorithm>('round-robin');
  const weights = reactive<Record<string, number | string>>({});
  const formError = ref<string | null>(null);
  const applying = ref(false);
  const usesWeights = computed(() => WEIGHTED_ALGORITHMS.includes(picked.value));
  let timer: ReturnType<typeof setInterval> | null = null;
  let users = 0;
  let lastRun: number | null = null;
  let ticking = false;

  /** sample records the served counters of `v` at `atMs`; a new run starts the chart over. */
  function sample(v: ClusterView | null, atMs: number): void {
    if (!v) return;
    if (lastRun !== v.runStartedAt) {
      lastRun = v.runStartedAt;
      samples.value = [];
      series.value = [];
      lastServedAt.value = null;
    }
    const served = Object.fromEntries(v.nodes.map((n) => [n.id, n.served]));
    // A counter that moved and is above zero served something since the last read (one that
    // went down restarted with the algorithm, and served what it holds since).
    const prev = samples.value[samples.value.length - 1];
    if (prev && atMs >= prev.t && v.nodes.some((n) => n.served > 0 && n.served !== (prev.served[n.id] ?? 0)))
      lastServedAt.value = atMs;
    sampledAt.value = Math.max(sampledAt.value, atMs);
    samples.value = addSample(samples.value, { t: atMs, served }, RATE_WINDOW_MS * 2);
  }

  /**
   * tick reads the cluster and samples its counters: a read served changes a counter but sends
   * no event, and no change in a second means nothing was served, so the rates fall to zero.
   * Only these replies are sampled, never the events: a reply and an event can arrive out of
   * order, and an older view would look like counters restarting from zero.
   */
  async function tick(): Promise<void> {
    // A slow lab must not pile up reads (and sequential reads arrive in order).
    if (ticking) return;
    ticking = true;
    const v = await cluster.poll();
    ticking = false;
    if (!v) return;
    sample(v, Date.now());
    series.value = [...series.value, { t: Date.now(), rates: rates.value }].slice(-SERIES_LEN);
  }

  /** loadPicker sets the picker to the lab's current algorithm and weights. */
  function loadPicker(): void {
    const v = cluster.live;
    if (!v) return;
    picked.value = v.balance.algorithm;
    for (const k of Object.keys(weights)) delete weights[k];
    for (const n of v.nodes) weights[n.id] = v.balance.weights[n.id] ?? n.weight;
    formError.value = null;
  }

  function refuse(msg: string): false {
    formError.value = msg;
    return false;
  }

  /** apply sends the picked algorithm (with the weights, for a weighted one) to the lab. */
  async function apply(): Promise<boolean> {
    const v = cluster.live;
    if (!v) return refuse('no cluster is running');
    let w: Record<string, number> | undefined;
    if (usesWeights.value) {
      w = {};
      for (const n of v.nodes) {
        const parsed = parseWeight(n.id, weights[n.id] ?? n.weight);
        if (typeof parsed === 'string') return refuse(parsed);
        w[n.id] = parsed;
      }
      if (Object.values(w).every((x) => x === 0)) return refuse('at least one weight must be above 0');
    }
    formError.value = null;
    applying.value = true;
    const ok = await cluster.setBalance(picked.value, w);
    applying.value = false;
    if (!ok) formError.value = cluster.error;
    return ok;
  }

  /** start begins the once-a-second tick while a panel shows the rates (counted; stop undoes one start). */
  function start(): void {
    users++;
    if (timer) return;
    void tick();
    timer = setInterval(() => void tick(), 1000);
  }
  function stop(): void {
    users = Math.max(0, users - 1);
    if (users === 0 && timer) {
      clearInterval(timer);
      timer = null;
    }
  }

  return {
    samples,
    series,
    rates,
    lastServedAt,
    shares,
    picked,
    weights,
    formError,
    applying,
    usesWeights,
    sample,
    tick,
    loadPicker,
    apply,
    start,
    stop,
  };
});
