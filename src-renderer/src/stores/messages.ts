/**
 * useMessagesStore holds the Messages tab's state: how the space-time diagram is drawn
 * (orientation, heartbeats folded, the window's length, whether it follows the present),
 * whether it is open large, and the message a person clicked with its body — asked of the
 * lab (GET /api/messages/:id) while live; in a replay the body was never saved, and the
 * store says so instead of asking.
 */
import { defineStore } from 'pinia';
import { ref, shallowRef } from 'vue';
import type { Arrow, Orientation } from '../../../src-main/report/spacetime';
import { errorText, labClient } from '../api/lab-client';
import { useReplayStore } from './replay';

/** SPANS_NS are the windows the diagram offers, in ns. */
export const SPANS_NS = [0.2e9, 1e9, 2e9, 10e9, 60e9] as const;

/** BodyState is what is known of the selected message's body. */
export type BodyState =
  { state: 'loading' } | { state: 'ok'; text: string; bytes: number } | { state: 'none'; why: string };

/** MAX_BODY_CHARS bounds the body text shown (a big append or snapshot is cut, and says so). */
export const MAX_BODY_CHARS = 20_000;

/** NOT_SAVED explains a replay's missing bodies. */
export const NOT_SAVED =
  'Message bodies are not saved in an exported run (run.jsonl keeps each message’s label): open the body while the run is live.';

export const useMessagesStore = defineStore('messages', () => {
  const orientation = ref<Orientation>('horizontal');
  const fold = ref(true);
  const spanNs = ref<number>(2e9);
  /** following: the window ends at the present (live) or at the replay's cursor; false once a person pans, zooms or clicks. */
  const following = ref(true);
  const large = ref(false);
  const selected = shallowRef<Arrow | null>(null);
  const body = shallowRef<BodyState | null>(null);
  const replay = useReplayStore();
  let asked = 0;

  /** select shows message `a` (null: none) and fetches its body. */
  async function select(a: Arrow | null): Promise<void> {
    const ticket = ++asked;
    selected.value = a;
    body.value = null;
    if (!a) return;
    if (replay.active) {
      body.value = { state: 'none', why: NOT_SAVED };
      return;
    }
    body.value = { state: 'loading' };
    try {
      const m = await labClient().message(a.id);
      if (ticket !== asked) return;
      const text = JSON.stringify(m.message, null, 2);
      body.value = {
        state: 'ok',
        bytes: m.bytes,
        text:
          text.length > MAX_BODY_CHARS
            ? `${text.slice(0, MAX_BODY_CHARS)}\n… (${text.length} characters in all)`
            : text,
      };
    } catch (e) {
      if (ticket === asked) body.value = { state: 'none', why: errorText(e) };
    }
  }

  /** follow returns the diagram to the present (or, in a replay, to the cursor). */
  function follow(): void {
    following.value = true;
  }

  return { orientation, fold, spanNs, following, large, selected, body, select, follow };
});
