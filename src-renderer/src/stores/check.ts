/**
 * useCheckStore holds the consistency verdict the header shows: the live run's, as the
 * lab announces it ('check' events; GET /api/check on connect and for the console), or,
 * while a saved run is replayed, the saved run's own, which this store computes from the
 * run's history with the same checker the lab runs (api/check-core.ts), in slices of a few
 * milliseconds so the page stays responsive while a long history is checked.
 */
import { defineStore } from 'pinia';
import { computed, ref, shallowRef, watch } from 'vue';
import { CheckCore, explainViolation } from '../../../src-main/api/check-core';
import type { CheckVerdict, HistoryOp, SavedRun } from '../../../src-main/api/contract';
import { errorText, labClient } from '../api/lab-client';
import { useReplayStore } from './replay';

/** REPLAY_SLICE_MS: one slice of checking a saved run (then the page gets a turn). */
export const REPLAY_SLICE_MS = 8;
/** REPLAY_BATCH: history events taken in per slice. */
export const REPLAY_BATCH = 5000;
/** REPLAY_EXPLAIN_MS bounds the whole-key check that words a saved run's violation. */
export const REPLAY_EXPLAIN_MS = 500;

const clock = (): number => (typeof performance !== 'undefined' ? performance.now() : Date.now());

export const useCheckStore = defineStore('check', () => {
  const replay = useReplayStore();
  /** live: the lab's latest verdict (null until known). */
  const live = shallowRef<CheckVerdict | null>(null);
  /** replayed: the open saved run's verdict as far as it has been checked (null without one). */
  const replayed = shallowRef<CheckVerdict | null>(null);
  const error = ref<string | null>(null);
  const displayed = computed<CheckVerdict | null>(() => (replay.active ? replayed.value : live.value));
  let generation = 0;

  /** apply takes a verdict the lab sent. */
  function apply(v: CheckVerdict): void {
    live.value = v;
  }

  /** refresh asks the lab for its verdict now (on connect, a new cluster, the console's `check`). */
  async function refresh(): Promise<CheckVerdict | null> {
    try {
      const v = await labClient().check();
      live.value = v;
      error.value = null;
      return v;
    } catch (e) {
      error.value = errorText(e);
      return null;
    }
  }

  /** reset forgets the live verdict (a new run starts; the lab's next announcement brings the new one). */
  function reset(): void {
    live.value = null;
  }

  /** checkSaved checks a saved run's history in slices, publishing the verdict as it goes. */
  function checkSaved(run: SavedRun | null): void {
    const gen = ++generation;
    replayed.value = null;
    if (!run) return;
    const history = run.history;
    const total = history.filter((e) => e.type === 'ok' || e.type === 'info').length;
    const core = new CheckCore();
    let at = 0;
    const publish = (): CheckVerdict => {
      const r = core.report();
      const v: CheckVerdict = {
        linearizable: r.linearizable,
        ops: total,
        keys: r.keys,
        lagOps: Math.max(0, total - r.checked),
        violation: r.violation,
        reason: r.reason,
      };
      replayed.value = v;
      return v;
    };
    const slice = (): void => {
      if (gen !== generation) return;
      const t0 = clock();
      while (clock() - t0 < REPLAY_SLICE_MS) {
        if (at < history.length) {
          core.ingest(history.slice(at, at + REPLAY_BATCH));
          at += REPLAY_BATCH;
        }
        const more = core.step(REPLAY_SLICE_MS, clock);
        if (!more && at >= history.length) break;
      }
      const v = publish();
      if (at < history.length || core.pending) return void setTimeout(slice, 0);
      if (v.violation) setTimeout(() => explain(gen, history, v), 0);
    };
    setTimeout(slice, 0);
  }

  /** explain words a saved run's violation from the key's whole history (as the lab does live). */
  function explain(gen: number, history: readonly HistoryOp[], v: CheckVerdict): void {
    if (gen !== generation || !v.violation) return;
    const key = v.violation.key;
    const better = explainViolation(
      history.filter((e) => e.key === key),
      clock() + REPLAY_EXPLAIN_MS,
      clock,
    );
    if (better && gen === generation) replayed.value = { ...v, violation: better };
  }

  watch(
    () => replay.run,
    (run) => checkSaved(run),
    { immediate: true },
  );

  return { live, replayed, displayed, error, apply, refresh, reset };
});
