/**
 * useClusterStore is the renderer's picture of the live cluster: the last ClusterView the
 * lab sent (GET /api/cluster or a 'cluster' event) and the actions that change it. The
 * graph draws `displayed`, which is this view, or the replay's view while a saved run is
 * open — never a guess of its own.
 */
import { defineStore } from 'pinia';
import { computed, ref, shallowRef } from 'vue';
import type {
  DamageKind,
  DamageResult,
  ClusterNode,
  ClusterSettings,
  ClusterView,
  LinkRule,
  BalanceAlgorithm,
  NodeInspect,
  PauseOn,
} from '../../../src-main/api/contract';
import { leaderNode } from '../../../src-main/api/leader';
import type { PresetRequest } from '../../../src-main/api/scenario-api';
import { errorText, labClient } from '../api/lab-client';
import { inNodeOrder } from '../model/node-order';
import { useReplayStore } from './replay';
import { useTimelineStore } from './timeline';

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
  const selectedNode = ref<string | null>(null);
  const selectedLink = ref<LinkSel | null>(null);
  const inspected = shallowRef<NodeInspect | null>(null);
  const inspectError = ref<string | null>(null);
  const busy = ref(0);

  const replay = useReplayStore();
  const displayed = computed<ClusterView | null>(() =>
    replay.active ? replay.view && inNodeOrder(replay.view) : live.value,
  );
  // The same array while the members are the same: a view arrives up to ten times a second,
  // and a new array would re-render every list of nodes (the timeline's filter) each time.
  const nodeIds = computed<string[]>((prev) => {
    const ids = (live.value?.nodes ?? []).map((n) => n.id);
    return prev && prev.length === ids.length && prev.every((id, i) => id === ids[i]) ? prev : ids;
  });
  /** leader: the displayed view's leader, as the lab (or the replay model) decided it with clusterLeader. */
  const leader = computed<ClusterNode | null>(() => leaderNode(displayed.value));

  /** applyView takes a view the lab sent (an answer or a 'cluster' event) as the live cluster. */
  function applyView(v: ClusterView): void {
    const prev = live.value;
    // A new run (fresh cluster) restarts the run log; forget the old run's records.
    if (prev && prev.runStartedAt !== v.runStartedAt) useTimelineStore().reset();
    // The run's group layout, for a backlog that no longer starts at its cluster-created record.
    if (!prev || prev.runStartedAt !== v.runStartedAt) useTimelineStore().setLayout(v.settings);
    // Every list of nodes the views draw from it is in node order (n1, n2, … n10): model/node-order.ts.
    live.value = inNodeOrder(v);
  }

  /**
   * poll re-reads the cluster quietly, for panels that follow counters the lab changes
   * without an event (served requests of reads); a failure waits for the next poll.
   */
  async function poll(): Promise<ClusterView | null> {
    try {
      const v = await labClient().cluster();
      applyView(v);
      return v;
    } catch {
      return null;
    }
  }

  /** refresh loads the current cluster (its error, if any, is kept for the UI). */
  async function refresh(): Promise<boolean> {
    return act(() => labClient().cluster());
  }

  /** act runs a call that answers with a ClusterView, and keeps its error for the UI. */
  async function act(fn: () => Promise<ClusterView>): Promise<boolean> {
    busy.value++;
    try {
      applyView(await fn());
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
  /** damage inflicts a disk fault on a stopped node's file; answers what it did, or null (see error). */
  async function damage(id: string, kind: DamageKind): Promise<DamageResult | null> {
    busy.value++;
    try {
      const r = await labClient().damage(id, kind);
      error.value = null;
      return r;
    } catch (e) {
      error.value = errorText(e);
      return null;
    } finally {
      busy.value--;
    }
  }
  const restart = (id: string) => act(() => labClient().restart(id));
  const pause = (id: string) => act(() => labClient().pause(id));
  const resume = (id: string) => act(() => labClient().resume(id));
  const heal = () => act(() => labClient().heal());
  const partition = (groups: string[][]) => act(() => labClient().partition(groups));
  /** partitionPreset cuts the network into a named shape (halves, isolate, bridge, ring, one-way). */
  const partitionPreset = (req: PresetRequest) => act(() => labClient().partitionPreset(req));
  const setLink = (rule: Partial<LinkRule> & { from: string; to: string; both?: boolean }) =>
    act(() => labClient().setLink(rule));
  const setTimeScale = (scale: number) => act(() => labClient().setTimeScale(scale));
  /** setPauseOn says which events freeze the whole cluster; continueRun lets a frozen one run on. */
  const setPauseOn = (on: PauseOn) => act(() => labClient().setPauseOn(on));
  const continueRun = () => act(() => labClient().continueRun());
  const setBalance = (algorithm: BalanceAlgorithm, weights?: Record<string, number>) =>
    act(() => labClient().setBalance(algorithm, weights));

  /** removeNode takes a node out of the configuration (a leader hands over first) and stops it. */
  async function removeNode(id: string): Promise<boolean> {
    const ok = await act(() => labClient().removeNode(id));
    if (ok && selectedNode.value === id) selectNode(null);
    return ok;
  }
  /** transfer hands leadership to voter `to`. */
  const transfer = (to: string) => act(() => labClient().transfer(to));

  /**
   * addNode starts a new node that joins as a learner (id: the next free one when absent)
   * and answers its id; the view then shows it catching up and being promoted. Null on a
   * refusal (error says why).
   */
  async function addNode(id?: string): Promise<string | null> {
    let added: string | null = null;
    const ok = await act(async () => {
      added = (await labClient().addNode(id === undefined ? {} : { id })).id;
      return labClient().cluster();
    });
    return ok ? added : null;
  }

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
    selectedNode,
    selectedLink,
    inspected,
    inspectError,
    busy,
    displayed,
    nodeIds,
    leader,
    refresh,
    poll,
    crash,
    damage,
    restart,
    pause,
    resume,
    heal,
    partition,
    partitionPreset,
    setLink,
    setTimeScale,
    setPauseOn,
    continueRun,
    setBalance,
    addNode,
    removeNode,
    transfer,
    createCluster,
    moveNode,
    selectNode,
    selectLink,
    refreshInspect,
    ruleOf,
    applyView,
  };
});
