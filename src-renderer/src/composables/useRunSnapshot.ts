/**
 * useRunSnapshot: what a plot of the run draws from — the run model and its moment, moved by
 * live records at most every `redrawMs` (a second-wide bar does not need 60 redraws a second),
 * and at once when a replay is scrubbed, opened or closed. `pointAt` moves the shared cursor to
 * a time on the plot: the replay's cursor in replay, the live cursor (never past now) otherwise.
 */
import { onBeforeUnmount, shallowRef, watch, type ShallowRef } from 'vue';
import type { RunModel } from '../model/run-model';
import { useCursorStore } from '../stores/cursor';
import { useReplayStore } from '../stores/replay';
import { useTimelineStore } from '../stores/timeline';

/** RunSnapshot is the model and moment last drawn. */
export interface RunSnapshot {
  model: RunModel;
  now: number;
}

/** useRunSnapshot returns the throttled snapshot of the run and the cursor mover; see the file comment. */
export function useRunSnapshot(redrawMs: number): { snap: ShallowRef<RunSnapshot>; pointAt: (t: number) => void } {
  const tl = useTimelineStore();
  const replay = useReplayStore();
  const cursor = useCursorStore();
  const snap = shallowRef<RunSnapshot>({ model: tl.source, now: tl.now });
  let timer: ReturnType<typeof setTimeout> | null = null;

  function refresh(): void {
    if (timer) clearTimeout(timer);
    timer = null;
    snap.value = { model: tl.source, now: tl.now };
  }
  watch(
    () => tl.version,
    () => {
      timer ??= setTimeout(refresh, redrawMs);
    },
  );
  watch([() => replay.cursorNs, () => replay.active], refresh);
  onBeforeUnmount(() => {
    if (timer) clearTimeout(timer);
  });

  function pointAt(t: number): void {
    if (replay.active) replay.seek(t);
    else cursor.point(Math.min(t, tl.now));
  }
  return { snap, pointAt };
}
