/**
 * useWhyStore asks Explain's questions and keeps the last answer for the inspector and the
 * console: why a node is in its role, why an entry is (not) committed on it. Live, the lab
 * answers (GET /api/nodes/:id/why) from the nodes' state and the run log; while a saved
 * run is replayed, the same explainer answers the role question from the run's log up to
 * the cursor (a run's log does not hold the nodes' logs, so the entry question needs the
 * live cluster).
 */
import { defineStore } from 'pinia';
import { ref, shallowRef } from 'vue';
import type { ClusterView, RunLogRecord } from '../../../src-main/api/contract';
import { explainRole, messageFinder, whyRecords } from '../../../src-main/api/explain';
import type { NodeFacts, WhyAnswer } from '../../../src-main/api/explain/types';
import { errorText, labClient } from '../api/lab-client';
import { useReplayStore } from './replay';

/** WhyQuestion is what was asked: a node, and an entry index for the entry question. */
export interface WhyQuestion {
  node: string;
  entry: number | null;
}

/** replayFacts describes each node as the replayed view shows it at the cursor (no logs: a run does not record them). */
function replayFacts(view: ClusterView): NodeFacts[] {
  const voters = view.nodes.map((n) => n.id);
  return view.nodes.map((n) => ({
    id: n.id,
    run: n.status,
    fresh: false,
    entries: null,
    status:
      n.role === null
        ? null
        : {
            id: n.id,
            role: n.role,
            term: n.term,
            vote: n.vote,
            leader: n.leader,
            commitIndex: n.commitIndex,
            lastIndex: n.lastIndex,
            lastTerm: n.term,
            firstIndex: 1,
            conf: { voters, learners: [], votersOutgoing: [] },
            progress: null,
          },
  }));
}

/** replayAnswer answers the role question over a replayed run's records up to the cursor. */
export function replayAnswer(view: ClusterView, log: readonly RunLogRecord[], cursorNs: number, q: WhyQuestion) {
  if (q.entry !== null)
    return {
      ok: false as const,
      error: `a saved run does not record the nodes' logs: ask "why ${q.node}" here, or why an entry on the live cluster`,
    };
  const upTo = log.filter((r) => r.t <= cursorNs);
  const r = explainRole(
    { view, facts: replayFacts(view), log: whyRecords(upTo), findMessage: messageFinder(upTo) },
    q.node,
  );
  return r.ok ? { ok: true as const, answer: r.answer } : { ok: false as const, error: r.error };
}

export const useWhyStore = defineStore('why', () => {
  const question = shallowRef<WhyQuestion | null>(null);
  const answer = shallowRef<WhyAnswer | null>(null);
  const error = ref<string | null>(null);
  const busy = ref(false);
  /** latencyMs: how long the last answer took. */
  const latencyMs = ref<number | null>(null);
  let asking = 0;

  /** ask asks why (the entry question when `entry` is given) and keeps the answer; null when it failed (see error). */
  async function ask(node: string, entry: number | null = null): Promise<WhyAnswer | null> {
    const id = ++asking;
    question.value = { node, entry };
    busy.value = true;
    const t0 = performance.now();
    try {
      const replay = useReplayStore();
      let a: WhyAnswer;
      if (replay.active) {
        const run = replay.run;
        const view = replay.view;
        if (!run || !view) throw new Error('no replayed run is open');
        const r = replayAnswer(view, run.log, replay.cursorNs, { node, entry });
        if (!r.ok) throw new Error(r.error);
        a = r.answer;
      } else {
        a = await labClient().why(node, entry ?? undefined);
      }
      if (id !== asking) return a;
      answer.value = a;
      error.value = null;
      latencyMs.value = performance.now() - t0;
      return a;
    } catch (e) {
      if (id === asking) {
        answer.value = null;
        error.value = errorText(e);
      }
      return null;
    } finally {
      if (id === asking) busy.value = false;
    }
  }

  /** clear forgets the question and its answer (the inspector closed or changed node). */
  function clear(): void {
    asking++;
    question.value = null;
    answer.value = null;
    error.value = null;
    busy.value = false;
  }

  return { question, answer, error, busy, latencyMs, ask, clear };
});
