/**
 * The space-time diagram as a standalone SVG, drawn from the same Scene the renderer's
 * canvas draws (spacetime.ts): the Messages tab's "Export SVG" button and an exported
 * run's messages.svg. Also the diagram's colours, shared with the canvas so both read the
 * same: message kinds as on the topology, dropped messages red, roles as the node fills.
 */
import type { Arrow, Mark, Scene } from './spacetime';
import { CHAR_PX } from './spacetime-scene';
import { esc, PALETTES, r1, svgOpen, text, type Theme } from './xml';

/**
 * LABEL_PLATE_OPACITY: a message's label sits on a plate of the plot's colour that hides
 * most of the lines and ✕ marks under it (they stay faintly there), so its words read where
 * drops crowd ("✕ partition" beside dozens of red lines).
 */
export const LABEL_PLATE_OPACITY = 0.85;

/** labelPlate is the box behind a label `width` px wide whose baseline starts at (x, y) (10 px type). */
export function labelPlate(x: number, y: number, width: number): { x: number; y: number; w: number; h: number } {
  return { x: x - 2, y: y - 9, w: width + 4, h: 12 };
}

/** KIND_COLORS colours a message by kind (the topology's message dots). */
export const KIND_COLORS: Record<string, string> = {
  vote: '#c084fc',
  append: '#22c55e',
  heartbeat: '#94a3b8',
  snapshot: '#f472b6',
  client: '#22d3ee',
  other: '#e5e7eb',
};
/** KIND_COLORS_LIGHT are the same hues, darker, for a white page. */
export const KIND_COLORS_LIGHT: Record<string, string> = {
  vote: '#9333ea',
  append: '#16a34a',
  heartbeat: '#64748b',
  snapshot: '#db2777',
  client: '#0891b2',
  other: '#334155',
};
/** DROP_COLOR marks a dropped message and its ✕. */
export const DROP_COLOR = '#ef4444';
/** ROLE_COLORS fill a role mark (the topology's node fills). */
export const ROLE_COLORS: Record<string, string> = {
  leader: '#f59e0b',
  follower: '#2563eb',
  candidate: '#9333ea',
  'pre-candidate': '#f472b6',
  precandidate: '#f472b6',
  learner: '#0d9488',
};
/** ROLE_LETTERS label a role mark. */
export const ROLE_LETTERS: Record<string, string> = {
  leader: 'L',
  follower: 'F',
  candidate: 'C',
  'pre-candidate': 'P',
  precandidate: 'P',
  learner: 'l',
};
/** BAND_COLORS tint a fault band by kind. */
export const BAND_COLORS: Record<string, string> = { partition: '#a855f7', link: '#38bdf8', slow: '#64748b' };

const HEADER = 18;

/** arrowTip returns the two back corners of an arrowhead at (x2, y2). */
export function arrowTip(a: Arrow, size = 5): [number, number, number, number] {
  const ang = Math.atan2(a.y2 - a.y1, a.x2 - a.x1);
  const w = 0.45;
  return [
    a.x2 - size * Math.cos(ang - w),
    a.y2 - size * Math.sin(ang - w),
    a.x2 - size * Math.cos(ang + w),
    a.y2 - size * Math.sin(ang + w),
  ];
}

function arrowSvg(a: Arrow, kinds: Record<string, string>): string {
  const c = a.state === 'dropped' ? DROP_COLOR : (kinds[a.kind] ?? kinds.other!);
  const dash = a.state === 'inflight' ? ' stroke-dasharray="3 3"' : '';
  let s = `<g class="msg ${a.state}" data-id="${a.id}"><title>${esc(arrowTitle(a))}</title>`;
  s += `<line x1="${r1(a.x1)}" y1="${r1(a.y1)}" x2="${r1(a.x2)}" y2="${r1(a.y2)}" stroke="${c}" stroke-width="1.2"${dash}/>`;
  if (a.state === 'dropped') {
    const [x, y] = [a.x2, a.y2];
    s += `<path class="drop" d="M${r1(x - 4)},${r1(y - 4)}L${r1(x + 4)},${r1(y + 4)}M${r1(x + 4)},${r1(y - 4)}L${r1(x - 4)},${r1(y + 4)}" stroke="${DROP_COLOR}" stroke-width="2"/>`;
  } else if (a.state === 'delivered') {
    const [bx, by, cx, cy] = arrowTip(a);
    s += `<path d="M${r1(a.x2)},${r1(a.y2)}L${r1(bx)},${r1(by)}L${r1(cx)},${r1(cy)}Z" fill="${c}"/>`;
  }
  if (a.dup) s += `<text x="${r1(a.x2 + 3)}" y="${r1(a.y2 - 3)}" fill="${c}" font-weight="700">×2</text>`;
  return s + '</g>';
}

/** arrowTitle is an arrow's hover text: what it was, between whom, and how it ended. */
export function arrowTitle(a: Arrow): string {
  const how =
    a.state === 'dropped'
      ? `dropped (${a.reason ?? 'no reason'})`
      : a.state === 'inflight'
        ? 'in flight'
        : `delivered after ${(((a.endT ?? a.sendT) - a.sendT) / 1e6).toFixed(2)} ms`;
  const many = a.count > 1 ? ` (${a.count} messages)` : '';
  return `#${a.id} ${a.from} → ${a.to}: ${a.label}${many} — ${how}${a.dup ? ', duplicated' : ''}`;
}

function markSvg(m: Mark, fg: string): string {
  const [x, y] = [r1(m.x), r1(m.y)];
  const title = `<title>${esc(`${m.node}: ${m.text}`)}</title>`;
  switch (m.kind) {
    case 'role': {
      const fill = ROLE_COLORS[m.role ?? ''] ?? '#94a3b8';
      const letter = ROLE_LETTERS[m.role ?? ''] ?? '?';
      return `<g class="mark role">${title}<circle cx="${x}" cy="${y}" r="6" fill="${fill}" stroke="#0b1220"/><text x="${x}" y="${r1(m.y + 3.5)}" text-anchor="middle" fill="#ffffff" font-size="9" font-weight="700">${letter}</text></g>`;
    }
    case 'term':
      return `<g class="mark term">${title}${text(m.x + 3, m.y - 7, m.text, fg, ' font-size="9"')}</g>`;
    case 'commit':
      return `<g class="mark commit">${title}<line x1="${x}" x2="${x}" y1="${r1(m.y - 3)}" y2="${r1(m.y + 3)}" stroke="#22c55e"/></g>`;
    case 'crash':
      return `<g class="mark crash">${title}<path d="M${r1(m.x - 6)},${r1(m.y - 6)}L${r1(m.x + 6)},${r1(m.y + 6)}M${r1(m.x + 6)},${r1(m.y - 6)}L${r1(m.x - 6)},${r1(m.y + 6)}" stroke="${DROP_COLOR}" stroke-width="3"/></g>`;
    case 'pause':
      return `<g class="mark pause">${title}<rect x="${r1(m.x - 4)}" y="${r1(m.y - 5)}" width="3" height="10" fill="#f59e0b"/><rect x="${r1(m.x + 1)}" y="${r1(m.y - 5)}" width="3" height="10" fill="#f59e0b"/></g>`;
    case 'restart':
    case 'resume':
      return `<g class="mark ${m.kind}">${title}<path d="M${r1(m.x - 4)},${r1(m.y - 5)}L${r1(m.x + 5)},${y}L${r1(m.x - 4)},${r1(m.y + 5)}Z" fill="#22c55e"/></g>`;
  }
}

/** SvgOptions: the page's theme and an optional title line above the diagram. */
export interface SvgOptions {
  theme?: Theme;
  title?: string;
}

/** spaceTimeSvg renders a scene as a standalone SVG document. */
export function spaceTimeSvg(scene: Scene, o: SvgOptions = {}): string {
  const pal = PALETTES[o.theme ?? 'dark'];
  const kinds = o.theme === 'light' ? KIND_COLORS_LIGHT : KIND_COLORS;
  const v = scene.view;
  const head = o.title ? HEADER : 0;
  const { x, y, w, h } = scene.plot;
  let s = svgOpen(v.width, v.height + head, o.title ?? 'Space-time diagram of messages');
  s += `<defs><clipPath id="plot"><rect x="${r1(x - 2)}" y="${r1(y - 2)}" width="${r1(w + 4)}" height="${r1(h + 4)}"/></clipPath></defs>`;
  s += `<rect width="100%" height="100%" fill="${pal.bg}"/>`;
  if (o.title) s += text(4, 12, o.title, pal.text, ' font-weight="600"');
  s += `<g transform="translate(0 ${head})">`;
  s += `<rect x="${r1(x)}" y="${r1(y)}" width="${r1(w)}" height="${r1(h)}" fill="${pal.plot}"/>`;
  for (const b of scene.bands) {
    const c = BAND_COLORS[b.kind] ?? '#64748b';
    s += `<g class="band ${esc(b.kind)}"><title>${esc(b.label)}</title><rect x="${r1(b.x)}" y="${r1(b.y)}" width="${r1(b.w)}" height="${r1(b.h)}" fill="${c}" fill-opacity="0.13"/>`;
    if (b.w > 60 && b.h > 20) s += text(b.x + 3, b.y + b.h - 3, b.label, c, ' font-size="9"');
    s += '</g>';
  }
  for (const t of scene.ticks)
    s += text(t.x, t.y, t.label, pal.muted, v.orientation === 'horizontal' ? ' text-anchor="middle"' : '');
  for (const l of scene.lanes) {
    s += `<line class="lane" x1="${r1(l.x1)}" y1="${r1(l.y1)}" x2="${r1(l.x2)}" y2="${r1(l.y2)}" stroke="${pal.muted}" stroke-opacity="0.6"/>`;
    for (const [spans, colour] of [
      [l.down, DROP_COLOR],
      [l.paused, '#f59e0b'],
    ] as const)
      for (const sp of spans) {
        const [ax, ay, bx, by] =
          v.orientation === 'horizontal' ? [x + sp.a, l.y1, x + sp.b, l.y1] : [l.x1, y + sp.a, l.x1, y + sp.b];
        s += `<line x1="${r1(ax)}" y1="${r1(ay)}" x2="${r1(bx)}" y2="${r1(by)}" stroke="${colour}" stroke-width="3" stroke-dasharray="4 3"/>`;
      }
    s += text(
      l.labelX,
      l.labelY,
      l.node,
      pal.text,
      v.orientation === 'vertical' ? ' text-anchor="middle" font-weight="600"' : ' font-weight="600"',
    );
  }
  s += `<g clip-path="url(#plot)">`;
  for (const c of scene.cells) {
    const colour = c.dropped > 0 ? DROP_COLOR : (kinds.append ?? '#22c55e');
    const op = Math.min(1, 0.25 + Math.log10(1 + c.sent) / 2.5);
    s += `<rect x="${r1(c.x)}" y="${r1(c.y)}" width="${r1(c.w)}" height="${r1(c.h)}" fill="${colour}" fill-opacity="${r1(op)}"/>`;
  }
  for (const a of scene.arrows) s += arrowSvg(a, kinds);
  for (const f of scene.folds) {
    const label = `♥${f.count}`;
    s += `<g class="fold"><title>${esc(`${f.node}: ${f.count} heartbeats and answers${f.dropped > 0 ? `, ${f.dropped} dropped` : ''}`)}</title>`;
    s += text(
      f.x,
      f.y - 4,
      label,
      f.dropped > 0 ? DROP_COLOR : (kinds.heartbeat ?? pal.muted),
      ' text-anchor="middle" font-size="9"',
    );
    s += '</g>';
  }
  for (const a of scene.arrows) {
    if (!a.text) continue;
    const p = labelPlate(a.text.x, a.text.y, a.text.s.length * CHAR_PX);
    s += `<rect class="label-plate" x="${r1(p.x)}" y="${r1(p.y)}" width="${r1(p.w)}" height="${r1(p.h)}" rx="2" fill="${pal.plot}" fill-opacity="${LABEL_PLATE_OPACITY}"/>`;
    s += `<text class="label" x="${r1(a.text.x)}" y="${r1(a.text.y)}" fill="${a.state === 'dropped' ? DROP_COLOR : pal.text}" paint-order="stroke" stroke="${pal.plot}" stroke-width="3">${esc(a.text.s)}</text>`;
  }
  for (const m of scene.marks) s += markSvg(m, pal.text);
  s += '</g>';
  if (scene.cursor) {
    const c = scene.cursor;
    s += `<line class="cursor" x1="${r1(c.x1)}" y1="${r1(c.y1)}" x2="${r1(c.x2)}" y2="${r1(c.y2)}" stroke="${pal.cursor}" stroke-dasharray="3 2"/>`;
  }
  if (scene.note) s += text(x + 4, y + h - 4, scene.note, pal.muted, ' font-style="italic"');
  return s + '</g></svg>';
}
