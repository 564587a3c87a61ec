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

/** KINDS_LABEL_MAX is how many characters of kind names the toggle's label may hold before it says "+N". */
export const KINDS_LABEL_MAX = 22;

/** named lists `kinds` in at most `max` characters ("message, other"), the rest counted ("client +2"). */
function named(kinds: readonly string[], max: number): string {
  let out = '';
  let i = 0;
  for (; i < kinds.length; i++) {
    const next = out === '' ? kinds[i]! : `${out}, ${kinds[i]}`;
    // The first always fits: a label that names nothing says nothing.
    if (i > 0 && next.length > max) break;
    out = next;
  }
  return i < kinds.length ? `${out} +${kinds.length - i}` : out;
}

/**
 * kindsLabel is what the toggle says of the kinds: "all", "none", or the count and the kinds
 * it leaves out — "6/7 · hiding message" — or, when most are left out, the few it shows:
 * "2/7 · only fault, client". The names are bounded (KINDS_LABEL_MAX characters, then "+N");
 * the tooltip names every hidden kind.
 */
export function kindsLabel(selected: readonly string[], all: readonly string[], max = KINDS_LABEL_MAX): string {
  const { shown, hidden } = kindsSummary(selected, all);
  if (hidden.length === 0 || hidden.length === all.length) return shown;
  const showing = all.filter((k) => !hidden.includes(k));
  return hidden.length <= showing.length
    ? `${shown} · hiding ${named(hidden, max)}`
    : `${shown} · only ${named(showing, max)}`;
}

/**
 * filtersLabel is the timeline's filter toggle: "filters: all", "filters: 6/7 · hiding
 * message", and with a node picked "filters: n3 · 6/7 · hiding message" (or "n3 · all kinds").
 */
export function filtersLabel(node: string | null, selected: readonly string[], all: readonly string[]): string {
  const kinds = kindsLabel(selected, all);
  if (node === null) return `filters: ${kinds}`;
  return `filters: ${node} · ${kinds === 'all' ? 'all kinds' : kinds === 'none' ? 'no kinds' : kinds}`;
}
