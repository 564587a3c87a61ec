/**
 * useLocksStore shows who holds which lock: while a panel is visible it asks the leader
 * (the node whose applied state is the freshest) for its inspect view about once a second
 * and keeps the held locks. With no leader there is nothing trustworthy to show, and the
 * panel says why instead.
 */
import { defineStore } from 'pinia';
import { computed, ref, shallowRef } from 'vue';
import type { ClusterNode } from '../../../src-main/api/contract';
import { leaderNode } from '../../../src-main/api/leader';
import type { LockInfo } from '../../../src-main/core/kv/types';
import { errorText, labClient } from '../api/lab-client';
import { useClusterStore } from './cluster';

/** POLL_MS: how often the leader is asked while the locks are shown. */
export const POLL_MS = 1000;

export const useLocksStore = defineStore('locks', () => {
  const cluster = useClusterStore();
  /** locks: the held locks as the leader last reported them; null when unknown. */
  const locks = shallowRef<LockInfo[] | null>(null);
  /** from: the leader that reported them. */
  const from = ref<string | null>(null);
  /** reason: why `locks` is unknown (no cluster, no leader, the leader did not answer). */
  const reason = ref<string | null>('not loaded yet');
  let timer: ReturnType<typeof setInterval> | null = null;
  let users = 0;
  let polling = false;

  /** leader: the live cluster's leader as the lab named it (never a replayed one). */
  const leader = computed<ClusterNode | null>(() => leaderNode(cluster.live));

  function unknown(why: string): void {
    locks.value = null;
    from.value = null;
    reason.value = why;
  }

  /** poll asks the leader for its locks once (an overlapping poll is skipped). */
  async function poll(): Promise<void> {
    if (polling) return;
    const v = cluster.live;
    if (!v) return unknown('no cluster is running');
    const l = leader.value;
    if (!l) {
      const up = v.nodes.filter((n) => n.status === 'up').length;
      return unknown(
        up <= v.nodes.length / 2
          ? `no leader: only ${up} of ${v.nodes.length} nodes are up (no quorum)`
          : 'no leader: an election is in progress',
      );
    }
    polling = true;
    try {
      const r = await labClient().inspect(l.id);
      // The leader may have changed while we asked; the next poll asks the new one.
      locks.value = [...r.locks].sort((a, b) => a.name.localeCompare(b.name));
      from.value = l.id;
      reason.value = null;
    } catch (e) {
      unknown(`${l.id} did not answer: ${errorText(e)}`);
    } finally {
      polling = false;
    }
  }

  /** start polls now and then every POLL_MS while a panel shows the locks (counted; stop undoes one start). */
  function start(): void {
    users++;
    if (timer) return;
    void poll();
    timer = setInterval(() => void poll(), POLL_MS);
  }
  function stop(): void {
    users = Math.max(0, users - 1);
    if (users === 0 && timer) {
      clearInterval(timer);
      timer = null;
    }
  }

  return { locks, from, reason, leader, poll, start, stop };
});
