/**
 * useShardsStore is the sharded cluster's map (GET /api/shards) and the changes a user
 * asks for: move a shard, join or leave a group. Only this store talks to the lab about
 * shards; the console and the topology read it.
 */
import { defineStore } from 'pinia';
import { ref, shallowRef } from 'vue';
import type { ShardMove, ShardsView } from '../../../src-main/api/shards';
import { errorText, labClient } from '../api/lab-client';

/** FOLLOW_MS is how often a followed shard map is read again. */
const FOLLOW_MS = 1000;

export const useShardsStore = defineStore('shards', () => {
  const view = shallowRef<ShardsView | null>(null);
  const error = ref<string | null>(null);
  /** latencyMs: how long the last call took. */
  const latencyMs = ref<number | null>(null);

  async function call(f: () => Promise<ShardsView>): Promise<ShardsView | null> {
    const t0 = performance.now();
    try {
      const v = await f();
      view.value = v;
      error.value = null;
      latencyMs.value = performance.now() - t0;
      return v;
    } catch (e) {
      error.value = errorText(e);
      return null;
    }
  }

  /** refresh reads the map; null when it failed (see error). */
  const refresh = (): Promise<ShardsView | null> => call(() => labClient().shards());
  /** move moves one shard to a group and answers with the new map. */
  const move = (m: ShardMove): Promise<ShardsView | null> => call(() => labClient().moveShard(m));
  /** join lets a group of the cluster join the configuration again. */
  const join = (group: string): Promise<ShardsView | null> => call(() => labClient().joinGroup(group));
  /** leave takes a group out of the configuration (its shards move to the others). */
  const leave = (group: string): Promise<ShardsView | null> => call(() => labClient().leaveGroup(group));

  // GET /api/shards is not pushed as an event: read it once a second while anyone follows it.
  let followers = 0;
  let timer: ReturnType<typeof setInterval> | null = null;
  /** follow keeps the map fresh (a read now, then once a second) until the returned stop is called; several may follow. */
  function follow(): () => void {
    followers++;
    if (timer === null) {
      void refresh();
      timer = setInterval(() => void refresh(), FOLLOW_MS);
    }
    let stopped = false;
    return () => {
      if (stopped) return;
      stopped = true;
      followers--;
      if (followers === 0 && timer !== null) {
        clearInterval(timer);
        timer = null;
      }
    };
  }

  return { view, error, latencyMs, refresh, move, join, leave, follow };
});
