/**
 * drawScene paints a space-time Scene (src-main/report/spacetime.ts) on a canvas: the same
 * shapes and colours as its SVG (spacetime-svg.ts), drawn in batches — one path per colour
 * and style for the arrows, one for the ✕ marks, one fill per density shade — so a scene at
 * its bound (1,500 arrows, 150 labels) paints in a few milliseconds.
 */
import {
  arrowTip,
  BAND_COLORS,
  DROP_COLOR,
  KIND_COLORS,
  LABEL_PLATE_OPACITY,
  labelPlate,
  ROLE_COLORS,
  ROLE_LETTERS,
} from '../../../src-main/report/spacetime-svg';
import type { Arrow, Mark, Scene } from '../../../src-main/report/spacetime';
import { PALETTES } from '../../../src-main/report/xml';

const PAL = PALETTES.dark;
const FONT = '10px system-ui, sans-serif';

function background(ctx: CanvasRenderingContext2D, s: Scene, past: ReadonlySet<string>): void {
  const { x, y, w, h } = s.plot;
  ctx.fillStyle = PAL.bg;
  ctx.fillRect(0, 0, s.view.width, s.view.height);
  ctx.fillStyle = PAL.plot;
  ctx.fillRect(x, y, w, h);
  ctx.font = '9px system-ui, sans-serif';
  for (const b of s.bands) {
    const c = BAND_COLORS[b.kind] ?? '#64748b';
    // A fault that is over stays visible but recedes: the one in force is what the eye finds.
    const over = past.has(b.label);
    ctx.globalAlpha = over ? 0.06 : 0.13;
    ctx.fillStyle = c;
    ctx.fillRect(b.x, b.y, b.w, b.h);
    ctx.globalAlpha = 1;
    if (b.w > 60 && b.h > 20) {
      ctx.fillStyle = over ? PAL.muted : c;
      ctx.fillText(b.label, b.x + 3, b.y + b.h - 3, Math.max(20, b.w - 6));
    }
  }
  ctx.font = FONT;
  ctx.fillStyle = PAL.muted;
  ctx.textAlign = s.view.orientation === 'horizontal' ? 'center' : 'left';
  for (const t of s.ticks) ctx.fillText(t.label, t.x, t.y);
  ctx.textAlign = 'left';
}

function lanes(ctx: CanvasRenderingContext2D, s: Scene): void {
  const horizontal = s.view.orientation === 'horizontal';
  ctx.strokeStyle = PAL.muted;
  ctx.globalAlpha = 0.6;
  ctx.lineWidth = 1;
  ctx.beginPath();
  for (const l of s.lanes) {
    ctx.moveTo(l.x1, l.y1);
    ctx.lineTo(l.x2, l.y2);
  }
  ctx.stroke();
  ctx.globalAlpha = 1;
  ctx.lineWidth = 3;
  ctx.setLineDash([4, 3]);
  for (const [key, colour] of [
    ['down', DROP_COLOR],
    ['paused', '#f59e0b'],
  ] as const) {
    ctx.strokeStyle = colour;
    ctx.beginPath();
    for (const l of s.lanes)
      for (const sp of l[key]) {
        if (horizontal) {
          ctx.moveTo(s.plot.x + sp.a, l.y1);
          ctx.lineTo(s.plot.x + sp.b, l.y1);
        } else {
          ctx.moveTo(l.x1, s.plot.y + sp.a);
          ctx.lineTo(l.x1, s.plot.y + sp.b);
        }
      }
    ctx.stroke();
  }
  ctx.setLineDash([]);
  ctx.lineWidth = 1;
  ctx.font = '600 10px system-ui, sans-serif';
  ctx.fillStyle = PAL.text;
  ctx.textAlign = horizontal ? 'left' : 'center';
  for (const l of s.lanes) ctx.fillText(l.node, l.labelX, l.labelY);
  ctx.textAlign = 'left';
  ctx.font = FONT;
}

function cells(ctx: CanvasRenderingContext2D, s: Scene): void {
  for (const c of s.cells) {
    ctx.fillStyle = c.dropped > 0 ? DROP_COLOR : KIND_COLORS.append!;
    ctx.globalAlpha = Math.min(1, 0.25 + Math.log10(1 + c.sent) / 2.5);
    ctx.fillRect(c.x, c.y, c.w, c.h);
  }
  ctx.globalAlpha = 1;
}

const colourOf = (a: Arrow): string =>
  a.state === 'dropped' ? DROP_COLOR : (KIND_COLORS[a.kind] ?? KIND_COLORS.other!);

/** arrows strokes every arrow, grouped by colour and dash, then their heads and ✕ marks. */
function arrows(ctx: CanvasRenderingContext2D, s: Scene, selected: number | null): void {
  const groups = new Map<string, Arrow[]>();
  for (const a of s.arrows) {
    const key = `${colourOf(a)}|${a.state === 'inflight' ? 'd' : ''}`;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = []));
    g.push(a);
  }
  ctx.lineWidth = 1.2;
  for (const [key, list] of groups) {
    const [colour, dash] = key.split('|');
    ctx.strokeStyle = colour!;
    ctx.fillStyle = colour!;
    ctx.setLineDash(dash ? [3, 3] : []);
    ctx.beginPath();
    for (const a of list) {
      ctx.moveTo(a.x1, a.y1);
      ctx.lineTo(a.x2, a.y2);
    }
    ctx.stroke();
    ctx.beginPath();
    for (const a of list) {
      if (a.state !== 'delivered') continue;
      const [bx, by, cx, cy] = arrowTip(a);
      ctx.moveTo(a.x2, a.y2);
      ctx.lineTo(bx, by);
      ctx.lineTo(cx, cy);
      ctx.closePath();
    }
    ctx.fill();
  }
  ctx.setLineDash([]);
  ctx.strokeStyle = DROP_COLOR;
  ctx.lineWidth = 2;
  ctx.beginPath();
  for (const a of s.arrows) {
    if (a.state !== 'dropped') continue;
    ctx.moveTo(a.x2 - 4, a.y2 - 4);
    ctx.lineTo(a.x2 + 4, a.y2 + 4);
    ctx.moveTo(a.x2 + 4, a.y2 - 4);
    ctx.lineTo(a.x2 - 4, a.y2 + 4);
  }
  ctx.stroke();
  const sel = selected === null ? undefined : s.arrows.find((a) => a.id === selected);
  if (sel) {
    ctx.strokeStyle = '#f8fafc';
    ctx.lineWidth = 3;
    ctx.beginPath();
    ctx.moveTo(sel.x1, sel.y1);
    ctx.lineTo(sel.x2, sel.y2);
    ctx.stroke();
  }
  ctx.lineWidth = 1;
  ctx.font = '700 10px system-ui, sans-serif';
  for (const a of s.arrows)
    if (a.dup) {
      ctx.fillStyle = colourOf(a);
      ctx.fillText('×2', a.x2 + 3, a.y2 - 3);
    }
  ctx.font = FONT;
}

function labels(ctx: CanvasRenderingContext2D, s: Scene): void {
  ctx.font = '9px system-ui, sans-serif';
  ctx.textAlign = 'center';
  for (const f of s.folds) {
    ctx.fillStyle = f.dropped > 0 ? DROP_COLOR : KIND_COLORS.heartbeat!;
    ctx.fillText(`♥${f.count}`, f.x, f.y - 4);
  }
  ctx.textAlign = 'left';
  ctx.font = FONT;
  ctx.lineWidth = 3;
  ctx.strokeStyle = PAL.plot;
  for (const a of s.arrows) {
    if (!a.text) continue;
    // On a plate: the lines and ✕ marks under a label would otherwise run through its words.
    const p = labelPlate(a.text.x, a.text.y, ctx.measureText(a.text.s).width);
    ctx.globalAlpha = LABEL_PLATE_OPACITY;
    ctx.fillStyle = PAL.plot;
    ctx.fillRect(p.x, p.y, p.w, p.h);
    ctx.globalAlpha = 1;
    ctx.strokeText(a.text.s, a.text.x, a.text.y);
    ctx.fillStyle = a.state === 'dropped' ? DROP_COLOR : PAL.text;
    ctx.fillText(a.text.s, a.text.x, a.text.y);
  }
  ctx.lineWidth = 1;
}

function mark(ctx: CanvasRenderingContext2D, m: Mark): void {
  switch (m.kind) {
    case 'role':
      ctx.fillStyle = ROLE_COLORS[m.role ?? ''] ?? '#94a3b8';
      ctx.beginPath();
      ctx.arc(m.x, m.y, 6, 0, Math.PI * 2);
      ctx.fill();
      ctx.fillStyle = '#ffffff';
      ctx.font = '700 9px system-ui, sans-serif';
      ctx.textAlign = 'center';
      ctx.fillText(ROLE_LETTERS[m.role ?? ''] ?? '?', m.x, m.y + 3.5);
      ctx.textAlign = 'left';
      ctx.font = FONT;
      return;
    case 'term':
      ctx.fillStyle = PAL.text;
      ctx.font = '9px system-ui, sans-serif';
      ctx.fillText(m.text, m.x + 3, m.y - 7);
      ctx.font = FONT;
      return;
    case 'commit':
      ctx.fillStyle = '#22c55e';
      ctx.fillRect(m.x - 0.5, m.y - 3, 1, 6);
      return;
    case 'crash':
      ctx.strokeStyle = DROP_COLOR;
      ctx.lineWidth = 3;
      ctx.beginPath();
      ctx.moveTo(m.x - 6, m.y - 6);
      ctx.lineTo(m.x + 6, m.y + 6);
      ctx.moveTo(m.x + 6, m.y - 6);
      ctx.lineTo(m.x - 6, m.y + 6);
      ctx.stroke();
      ctx.lineWidth = 1;
      return;
    case 'pause':
      ctx.fillStyle = '#f59e0b';
      ctx.fillRect(m.x - 4, m.y - 5, 3, 10);
      ctx.fillRect(m.x + 1, m.y - 5, 3, 10);
      return;
    case 'restart':
    case 'resume':
      ctx.fillStyle = '#22c55e';
      ctx.beginPath();
      ctx.moveTo(m.x - 4, m.y - 5);
      ctx.lineTo(m.x + 5, m.y);
      ctx.lineTo(m.x - 4, m.y + 5);
      ctx.fill();
      return;
  }
}

/**
 * drawScene paints `s` on ctx (already scaled to CSS pixels); `selected` is the id of the
 * highlighted message; `past` holds the labels of fault bands that are over (drawn dimmed).
 */
export function drawScene(
  ctx: CanvasRenderingContext2D,
  s: Scene,
  selected: number | null,
  past: ReadonlySet<string> = new Set(),
): void {
  background(ctx, s, past);
  lanes(ctx, s);
  const { x, y, w, h } = s.plot;
  ctx.save();
  ctx.beginPath();
  ctx.rect(x - 2, y - 2, w + 4, h + 4);
  ctx.clip();
  cells(ctx, s);
  arrows(ctx, s, selected);
  labels(ctx, s);
  for (const m of s.marks) mark(ctx, m);
  ctx.restore();
  if (s.cursor) {
    ctx.strokeStyle = PAL.cursor;
    ctx.setLineDash([3, 2]);
    ctx.beginPath();
    ctx.moveTo(s.cursor.x1, s.cursor.y1);
    ctx.lineTo(s.cursor.x2, s.cursor.y2);
    ctx.stroke();
    ctx.setLineDash([]);
  }
  if (s.note) {
    ctx.fillStyle = PAL.muted;
    ctx.font = 'italic 10px system-ui, sans-serif';
    ctx.fillText(s.note, x + 4, y + h - 4, w - 8);
    ctx.font = FONT;
  }
}
