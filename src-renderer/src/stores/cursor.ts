/**
 * useCursorStore is the shared time cursor and what it points at. A click on a timeline
 * row (or a chart, or a replay tick) moves the cursor to that moment and highlights the
 * nodes and links the event concerns; the charts draw the cursor as a line, the topology
 * reads `highlight`, and while a saved run is open the replay's position is this cursor.
 */
import { defineStore } from 'pinia';
import { ref, shallowRef } from 'vue';
import type { LinkRef } from '../model/describe';

/** Highlight names the nodes and directed links the selected event concerns. */
export interface Highlight {
  nodes: string[];
  links: LinkRef[];
}

/** NO_HIGHLIGHT highlights nothing. */
export const NO_HIGHLIGHT: Highlight = Object.freeze({ nodes: [], links: [] }) as Highlight;

export const useCursorStore = defineStore('cursor', () => {
  /** t: the cursor's run time in ns; null while live and following the present. */
  const t = ref<number | null>(null);
  /** selected: the ord of the selected timeline row (null = none). */
  const selected = ref<number | null>(null);
  /** highlight: what the selected event concerns, for the topology to draw. */
  const highlight = shallowRef<Highlight>(NO_HIGHLIGHT);

  /** point moves the cursor to a moment and highlights what the event there concerns. */
  function point(tNs: number, ord: number | null = null, h: Highlight = NO_HIGHLIGHT): void {
    t.value = tNs;
    selected.value = ord;
    highlight.value = { nodes: [...h.nodes], links: h.links.map((l) => ({ ...l })) };
  }

  /** clear returns to following the present with nothing highlighted. */
  function clear(): void {
    t.value = null;
    selected.value = null;
    highlight.value = NO_HIGHLIGHT;
  }

  return { t, selected, highlight, point, clear };
});
