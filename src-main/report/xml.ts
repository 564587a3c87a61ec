/**
 * Writing SVG as text: escaping (every label is run-log data, so every one is escaped),
 * numbers rounded to a tenth of a unit (smaller files, the same picture), and the colour
 * palettes of the plots: `dark` matches the app's panels, `light` is for a page on its own
 * (the exported run's index.html, a report printed).
 */

/** esc escapes text for an XML attribute or text node. */
export function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}
const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** r1 renders a coordinate rounded to one decimal. */
export function r1(v: number): string {
  return (Math.round(v * 10) / 10).toString();
}

/** Theme names a palette. */
export type Theme = 'dark' | 'light';

/** Palette is the colours a plot uses. */
export interface Palette {
  bg: string;
  plot: string;
  grid: string;
  text: string;
  muted: string;
  ok: string;
  fail: string;
  unknown: string;
  cursor: string;
  lane: string;
  /** kinds: a fault kind's band colour (translucent). */
  kinds: Record<string, string>;
}

/** PALETTES holds both themes. */
export const PALETTES: Record<Theme, Palette> = {
  dark: {
    bg: '#111827',
    plot: '#0b1220',
    grid: '#ffffff1a',
    text: '#e2e8f0',
    muted: '#94a3b8',
    ok: '#22c55e',
    fail: '#ef4444',
    unknown: '#f59e0b',
    cursor: '#f8fafc',
    lane: '#cbd5e1',
    kinds: { partition: '#a855f7', down: '#ef4444', paused: '#f59e0b', link: '#38bdf8', slow: '#64748b' },
  },
  light: {
    bg: '#ffffff',
    plot: '#f8fafc',
    grid: '#0000001a',
    text: '#0f172a',
    muted: '#475569',
    ok: '#16a34a',
    fail: '#dc2626',
    unknown: '#d97706',
    cursor: '#0f172a',
    lane: '#334155',
    kinds: { partition: '#9333ea', down: '#dc2626', paused: '#d97706', link: '#0284c7', slow: '#64748b' },
  },
};

/** svgOpen starts a standalone SVG document of w × h with a title (for screen readers and file browsers). */
export function svgOpen(w: number, h: number, title: string, attrs = ''): string {
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${r1(w)}" height="${r1(h)}" viewBox="0 0 ${r1(w)} ${r1(h)}"` +
    ` font-family="system-ui, sans-serif" font-size="10" role="img"${attrs}><title>${esc(title)}</title>`
  );
}

/** text writes one text element at (x, y). */
export function text(x: number, y: number, s: string, fill: string, extra = ''): string {
  return `<text x="${r1(x)}" y="${r1(y)}" fill="${fill}"${extra}>${esc(s)}</text>`;
}
