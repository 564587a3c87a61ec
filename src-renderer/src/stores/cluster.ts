/**
 * useClusterStore is the renderer's picture of the live cluster: the last ClusterView the
 * lab sent (GET /api/cluster or a 'cluster' event) and the actions that change it. The
 * graph draws `displayed`, which is this view, or the replay's view while a saved run is
 * open — never a guess of its own.
 */
import { defineStore } from 'pinia';
import { computed, ref, shallowRef } from 'vue';
import type {
  ClusterNode,
  ClusterSettings,
  ClusterView,
  LabEvent,
  LinkRule,
  BalanceAlgorithm,
} from '../../../src-main/api/contract';
// eslint-disable-next-line no-restricted-imports -- until the renderer reaches the lab only through src-main/api (structure work in progress)
import type { NodeInspect } from '../../../src-main/node/contract';
import { errorText, labClient, type Connection } from '../api/lab-client';
import { useReplayStore } from './replay';
import { useTimelineStore } from './timeline';
// eslint-disable-next-line import-x/no-cycle -- until the renderer reaches the lab only through src-main/api (structure work in progress)
import { useConsoleStore } from './console';
import { useUiStore } from './ui';

/** LinkSel names a selected directed link. */
export interface LinkSel {
  from: string;
  to: string;
}

/** groupsAfterMove returns the partition groups after moving `id` into group `target` ('new' = a zone of its own). */
export function groupsAfterMove(groups: readonly string[][], id: string, target: number | 'new'): string[][] {
  const targetGroup = target === 'new' ? null : groups[target];
  const out = groups.map((g) => g.filter((n) => n !== id));
  if (target === 'new') out.push([id]);
  else if (targetGroup) out[target]!.push(id);
  return out.filter((g) => g.length > 0);
}

export const useClusterStore = defineStore('cluster', () => {
  const live = shallowRef<ClusterView | null>(null);
  const error = ref<string | null>(null);
  const connection = ref<Connection>('connecting');
  const selectedNode = ref<string | null>(null);
  const selectedLink = ref<LinkSel | null>(null);
  const inspected = shallowRef<NodeInspect | null>(null);
  const inspectError = ref<string | null>(null);
  const busy = ref(0);
  const unsubscribers: (() => void)[] = [];

  const replay = useReplayStore();
  const displayed = computed<ClusterView | null>(() => (replay.active ? replay.view : live.value));
  const nodeIds = computed(() => (live.value?.nodes ?? []).map((n) => n.id));
  /** leader: the running node that leads in the highest term (a cut-off old leader may still think it leads). */
  const leader = computed(() => {
    let best: ClusterNode | null = null;
    for (const n of displayed.value?.nodes ?? [])
      if (n.role === 'leader' && n.status === 'up' && (!best || n.term > best.term)) best = n;
    return best;
  });

  /** onEvent routes one live event to the store that owns it. */
  function onEvent(e: LabEvent): void {
    switch (e.type) {
      case 'cluster':
        setLive(e.cluster);
        return;
      case 'log':
        useTimelineStore().enqueue(e.record);
        return;
      case 'load-progress':
        useConsoleStore().loadProgress = { done: e.done, total: e.total };
        return;
      case 'load-done':
        useConsoleStore().loadProgress = null;
        return;
    }
  }

  function setLive(v: ClusterView): void {
    const prev = live.value;
    // A new run (fresh cluster) restarts the run log; forget the old run's records.
    if (prev && prev.runStartedAt !== v.runStartedAt) useTimelineStore().reset();
    live.value = v;
  }

  /** connect follows the lab's events and loads the current cluster and the run log so far. */
  async function connect(): Promise<void> {
    const client = labClient();
    unsubscribers.push(client.onConnection((c) => (connection.value = c)));
    unsubscribers.push(client.onEvent(onEvent));
    unsubscribers.push(client.onMenu((m) => useUiStore().onMenu(m)));
    await refresh();
    try {
      useTimelineStore().ingestBacklog(await client.log());
    } catch (e) {
      error.value = errorText(e);
    }
  }

  /** disconnect stops following events (tests, teardown). */
  function disconnect(): void {
    for (const u of unsubscribers.splice(0)) u();
  }

  /**
   * poll re-reads the cluster quietly, for panels that follow counters the lab changes
   * without an event (served requests of reads); a failure waits for the next poll.
   */
  async function poll(): Promise<ClusterView | null> {
    try {
      const v = await labClient().cluster();
      setLive(v);
      return v;
    } catch {
      return null;
    }
  }

  async function refresh(): Promise<void> {
    await act(() => labClient().cluster());
  }

  /** act runs a call that answers with a ClusterView, and keeps its error for the UI. */
  async function act(fn: () => Promise<ClusterView>): Promise<boolean> {
    busy.value++;
    try {
      setLive(await fn());
      error.value = null;
      return true;
    } catch (e) {
      error.value = errorText(e);
      return false;
    } finally {
      busy.value--;
    }
  }

  const crash = (id: string) => act(() => labClient().crash(id));
  const restart = (id: string) => act(() => labClient().restart(id));
  const pause = (id: string) => act(() => labClient().pause(id));
  const resume = (id: string) => act(() => labClient().resume(id));
  const heal = () => act(() => labClient().heal());
  const partition = (groups: string[][]) => act(() => labClient().partition(groups));
  const setLink = (rule: Partial<LinkRule> & { from: string; to: string; both?: boolean }) =>
    act(() => labClient().setLink(rule));
  const setTimeScale = (scale: number) => act(() => labClient().setTimeScale(scale));
  const setBalance = (algorithm: BalanceAlgorithm, weights?: Record<string, number>) =>
    act(() => labClient().setBalance(algorithm, weights));

  /** createCluster starts a fresh cluster and run; the old run's records are dropped. */
  async function createCluster(s: Partial<ClusterSettings>): Promise<boolean> {
    const ok = await act(() => labClient().createCluster(s));
    if (ok) {
      useTimelineStore().reset();
      selectedNode.value = null;
      selectedLink.value = null;
      inspected.value = null;
    }
    return ok;
  }

  /** moveNode is a drag: put `id` in zone `target` (or a zone of its own) and cut the zones apart. */
  async function moveNode(id: string, target: number | 'new'): Promise<boolean> {
    const v = live.value;
    if (!v || replay.active) return false;
    const current = v.groups.findIndex((g) => g.includes(id));
    // Dropping a lone node outside its own zone, or back into its zone, changes nothing.
    if (target === current) return false;
    if (target === 'new' && v.groups[current]?.length === 1) return false;
    return partition(groupsAfterMove(v.groups, id, target));
  }

  function selectNode(id: string | null): void {
    selectedNode.value = id;
    if (id !== null) selectedLink.value = null;
    inspected.value = null;
    inspectError.value = null;
  }

  function selectLink(l: LinkSel | null): void {
    selectedLink.value = l;
    if (l !== null) selectedNode.value = null;
  }

  /** refreshInspect loads the selected node's inspector view (down nodes cannot answer). */
  async function refreshInspect(): Promise<void> {
    const id = selectedNode.value;
    if (id === null || replay.active) return;
    const n = live.value?.nodes.find((x) => x.id === id);
    if (!n || n.status !== 'up') {
      inspected.value = null;
      inspectError.value = n ? `${id} is ${n.status}` : null;
      return;
    }
    try {
      const r = await labClient().inspect(id);
      if (selectedNode.value === id) {
        inspected.value = r;
        inspectError.value = null;
      }
    } catch (e) {
      if (selectedNode.value === id) inspectError.value = errorText(e);
    }
  }

  /** ruleOf returns the displayed rule of a directed link (clean if none). */
  function ruleOf(from: string, to: string): LinkRule {
    return (
      displayed.value?.links.find((l) => l.from === from && l.to === to) ?? {
        from,
        to,
        latencyMs: 0,
        jitterMs: 0,
        loss: 0,
        duplicate: 0,
        blocked: false,
      }
    );
  }

  return {
    live,
    error,
    connection,
    selectedNode,
    selectedLink,
    inspected,
    inspectError,
    busy,
    displayed,
    nodeIds,
    leader,
    connect,
    disconnect,
    refresh,
    poll,
    crash,
    restart,
    pause,
    resume,
    heal,
    partition,
    setLink,
    setTimeScale,
    setBalance,
    createCluster,
    moveNode,
    selectNode,
    selectLink,
    refreshInspect,
    ruleOf,
    onEvent,
  };
});
