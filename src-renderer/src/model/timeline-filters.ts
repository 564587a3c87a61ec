/**
 * What the timeline's folded filter toggle says about the event kinds it shows, so the
 * one-line control tells at a glance whether some kinds are hidden, and which.
 */

/** KindsSummary is the toggle's text ("all", "6/7", "none") and the kinds hidden, in display order. */
export interface KindsSummary {
  shown: string;
  hidden: string[];
}

/** kindsSummary summarises which of `all` kinds `selected` shows. */
export function kindsSummary(selected: readonly string[], all: readonly string[]): KindsSummary {
  const hidden = all.filter((k) => !selected.includes(k));
  const n = all.length - hidden.length;
  const shown = hidden.length === 0 ? 'all' : n === 0 ? 'none' : `${n}/${all.length}`;
  return { shown, hidden };
}
