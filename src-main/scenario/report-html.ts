/**
 * The report folder's index.html: the scenario's narration step by step — what each step
 * did, what it printed, its checks passed or failed — beside a strip that shows every
 * node's role over time with the steps marked on it (numbers that never overlap: close
 * steps share a label such as "4–6"), the exported run's files, and any
 * SVG figures the export wrote (latency, throughput, the space-time diagram). One
 * self-contained page, no script: it opens from the disk in any browser. Pure: it returns
 * text, the CLI writes it.
 */
import type { NodeId } from '../core/types';
import type { CheckReport, RunReport } from './report-types';
import { allChecks } from './report-types';
import type { Sample } from './target';
import { unsafeLabel } from './unsafe';

/** esc escapes text for HTML. */
export function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const ROLE_COLOUR: Record<string, string> = {
  leader: '#2f7d32',
  candidate: '#c77700',
  precandidate: '#d9a441',
  follower: '#9db4c9',
  learner: '#b39ddb',
  paused: '#6d4c91',
  down: '#5a5a5a',
};

/** StepLabel is one label above the role strip: the steps it names, where it is centred, and its row (0 on top). */
export interface StepLabel {
  text: string;
  x: number;
  row: number;
  /** steps: the indexes (0-based) of the steps it names. */
  steps: number[];
}

/** LABEL_CHAR_PX is a step label character's width at the strip's 9 px font (digits and the dash). */
export const LABEL_CHAR_PX = 5.5;
/** LABEL_ROWS is how many rows of step labels the strip has: a label that fits on neither is grouped with its neighbours. */
export const LABEL_ROWS = 2;
const LABEL_GAP_PX = 3;

/**
 * stepLabels places the step numbers above the strip so that no two overlap: steps that start
 * within `groupPx` of a group's first step share one label ("4,5" or "4–7"), and labels go on
 * the first row where they fit. Should any label fit on no row, it tries again with groups
 * twice as wide, so every step is named, deterministically, however close the steps are.
 */
export function stepLabels(
  xs: readonly number[],
  numbers: readonly number[],
  bounds: { left: number; right: number },
  groupPx = 12,
): StepLabel[] {
  const groups: number[][] = [];
  xs.forEach((x, i) => {
    const g = groups[groups.length - 1];
    if (g && x - xs[g[0]!]! < groupPx) g.push(i);
    else groups.push([i]);
  });
  const rowRight: number[] = new Array<number>(LABEL_ROWS).fill(-Infinity);
  const out: StepLabel[] = [];
  for (const g of groups) {
    const a = numbers[g[0]!]!;
    const b = numbers[g[g.length - 1]!]!;
    const text = g.length === 1 ? `${a}` : g.length === 2 ? `${a},${b}` : `${a}–${b}`;
    const half = (text.length * LABEL_CHAR_PX) / 2;
    const mid = (xs[g[0]!]! + xs[g[g.length - 1]!]!) / 2;
    const x = Math.min(bounds.right - half, Math.max(bounds.left + half, mid));
    const row = rowRight.findIndex((r) => x - half >= r + LABEL_GAP_PX);
    // No row has room: wider groups, fewer labels (the strip is at most a few hundred pixels of labels).
    if (row < 0) return stepLabels(xs, numbers, bounds, groupPx * 2);
    rowRight[row] = x + half;
    out.push({ text, x, row, steps: g });
  }
  return out;
}

/** roleStrip draws one lane per node, coloured by role (or down / paused), with the step starts as ticks. */
export function roleStrip(samples: Sample[], ids: NodeId[], r: RunReport): string {
  // The run's clock starts when the cluster is created; the strip starts with the first step.
  const t0 = r.steps[0]?.startedAt ?? 0;
  const end = Math.max(t0 + 1, ...r.steps.map((s) => s.endedAt));
  const W = 900;
  const lane = 22;
  const left = 40;
  const top = 8 + 10 * LABEL_ROWS;
  const x = (t: number): number => left + ((W - left - 10) * Math.min(end - t0, Math.max(0, t - t0))) / (end - t0);
  const parts: string[] = [];
  ids.forEach((id, i) => {
    const y = top + i * lane;
    parts.push(`<text x="4" y="${y + 15}" font-size="12">${esc(id)}</text>`);
    const mine = samples.filter((s) => s.node === id);
    mine.forEach((s, k) => {
      const to = mine[k + 1]?.t ?? end;
      if (to < t0) return;
      const kind = s.status === 'down' ? 'down' : s.status === 'paused' ? 'paused' : (s.role ?? 'follower');
      const w = Math.max(0.5, x(to) - x(s.t));
      parts.push(
        `<rect x="${x(s.t).toFixed(1)}" y="${y}" width="${w.toFixed(1)}" height="${lane - 6}" fill="${ROLE_COLOUR[kind] ?? '#ccc'}"><title>${esc(`${id} ${kind} term ${s.term}, commit ${s.commit} from ${Math.round(s.t)} ms`)}</title></rect>`,
      );
    });
  });
  const h = top + ids.length * lane + 16;
  const xs = r.steps.map((st) => x(st.startedAt));
  r.steps.forEach((st, k) => {
    const sx = xs[k]!.toFixed(1);
    parts.push(
      `<line x1="${sx}" y1="${top - 4}" x2="${sx}" y2="${h - 14}" stroke="#222" stroke-dasharray="2,3" stroke-width="0.7"><title>${esc(`step ${st.index + 1}: ${st.did}`)}</title></line>`,
    );
  });
  const labels = stepLabels(
    xs,
    r.steps.map((st) => st.index + 1),
    { left, right: W - 4 },
  );
  for (const l of labels) {
    const what = l.steps.map((k) => `step ${r.steps[k]!.index + 1}: ${r.steps[k]!.did}`).join('\n');
    parts.push(
      `<text class="step-label" x="${l.x.toFixed(1)}" y="${9 + 10 * l.row}" font-size="9" text-anchor="middle"><title>${esc(what)}</title>${esc(l.text)}</text>`,
    );
  }
  parts.push(`<text x="${left}" y="${h - 2}" font-size="10">${Math.round(t0)} ms</text>`);
  parts.push(`<text x="${W - 10}" y="${h - 2}" font-size="10" text-anchor="end">${Math.round(end)} ms</text>`);
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${h}" width="${W}" height="${h}" role="img" aria-label="node roles over time">${parts.join('')}</svg>`;
}

function checkLi(c: CheckReport): string {
  return `<li class="${c.ok ? 'ok' : 'bad'}"><span class="mark">${c.ok ? '✓' : '✗'}</span> ${esc(c.name)} <span class="detail">— ${esc(c.detail)}</span></li>`;
}

/** ReportPage is what the page shows beside the run report. */
export interface ReportPage {
  report: RunReport;
  teaches: string;
  samples: Sample[];
  ids: NodeId[];
  /** files: the exported run's files in the folder (run.jsonl, history.jsonl, check.json, …). */
  files: string[];
  /** figures: SVG files in the folder, shown inline by <img>. */
  figures: string[];
  /** exportCheck: check.json's one-line verdict, if the export wrote one. */
  exportCheck: string | null;
}

/** reportHtml returns index.html (see the file comment). */
export function reportHtml(p: ReportPage): string {
  const r = p.report;
  const checks = allChecks(r);
  const failed = checks.filter((c) => !c.ok).length;
  const verdict = r.passed ? `passed: all ${checks.length} checks` : `failed: ${failed} of ${checks.length} checks`;
  const unsafe = unsafeLabel(r.unsafe);
  const steps = r.steps
    .map((s) => {
      const lines = s.lines.length ? `<pre>${esc(s.lines.join('\n'))}</pre>` : '';
      const say = s.say
        ? `<p class="say">${esc(s.say)}${s.look ? ` <span class="look">look at: ${esc(s.look)}</span>` : ''}</p>`
        : '';
      const checksHtml = s.checks.length ? `<ul class="checks">${s.checks.map(checkLi).join('')}</ul>` : '';
      return `<li class="step"><div class="head"><span class="n">${s.index + 1}</span> <code>${esc(s.did)}</code> <span class="t">${Math.round(s.startedAt)} ms</span></div>${say}${lines}${checksHtml}</li>`;
    })
    .join('\n');
  const files = p.files.map((f) => `<li><a href="${esc(encodeURIComponent(f))}">${esc(f)}</a></li>`).join('');
  const figures = p.figures
    .map(
      (f) =>
        `<figure><img src="${esc(encodeURIComponent(f))}" alt="${esc(f)}"><figcaption>${esc(f)}</figcaption></figure>`,
    )
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src 'self'; style-src 'unsafe-inline'">
<title>${esc(r.title)} — Quorum Lab scenario</title>
<style>
body{font:15px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:960px;color:#1d1d1f;padding:0 1rem}
h1{margin-bottom:.2rem} .meta{color:#555} .verdict{font-weight:600;padding:.4rem .7rem;border-radius:6px;display:inline-block}
.verdict.ok{background:#e3f4e4;color:#1e5d22} .verdict.bad{background:#fde6e4;color:#8d1d13}
.unsafe{color:#b3261e;font-weight:600} ol.steps{list-style:none;padding:0} .step{border-left:3px solid #c9d4df;margin:.8rem 0;padding:.2rem .8rem}
.head .n{display:inline-block;min-width:1.6rem;font-weight:700} .head .t{color:#888;font-size:12px;float:right}
.say{margin:.3rem 0;font-size:16px} .look{color:#666;font-size:12px;margin-left:.4rem} pre{background:#f5f6f8;padding:.5rem;overflow:auto;font-size:12.5px}
ul.checks{list-style:none;padding-left:.4rem;margin:.3rem 0} .checks li.ok .mark{color:#2f7d32} .checks li.bad .mark{color:#b3261e;font-weight:700}
.checks li.bad{color:#8d1d13} .detail{color:#666;font-size:13px} figure{margin:1rem 0} figure img{max-width:100%;border:1px solid #ddd}
.legend span{display:inline-block;margin-right:.8rem;font-size:12px} .legend i{display:inline-block;width:10px;height:10px;margin-right:4px}
</style></head><body>
<h1>${esc(r.title)}</h1>
<p class="meta">${esc(r.scenario)} · ${esc(r.protocol)} · seed ${r.seed} · ${r.target === 'lab' ? 'real processes' : 'simulator'} · ${(r.durationMs / 1000).toFixed(1)} s${unsafe ? ` · <span class="unsafe">unsafe: ${esc(unsafe)}</span>` : ''}</p>
<p>${esc(p.teaches)}</p>
<p class="verdict ${r.passed ? 'ok' : 'bad'}">${esc(verdict)}${r.stopped ? ' (stopped early)' : ''}</p>
<h2>Who led when</h2>
${roleStrip(p.samples, p.ids, r)}
<p class="legend">${Object.entries(ROLE_COLOUR)
    .map(([k, c]) => `<span><i style="background:${c}"></i>${k}</span>`)
    .join('')} <span>dashed lines: step starts (numbered above; close steps share a label such as 4–6)</span></p>
<h2>Steps</h2>
<ol class="steps">
${steps}
</ol>
${r.closing.length ? `<h2>At the end</h2><ul class="checks">${r.closing.map(checkLi).join('')}</ul>` : ''}
${p.exportCheck ? `<p>The exported run's own check (check.json): ${esc(p.exportCheck)}</p>` : ''}
${figures ? `<h2>Figures</h2>${figures}` : ''}
<h2>Files</h2><ul>${files}<li><a href="scenario.json">scenario.json</a> (this report as data)</li></ul>
</body></html>
`;
}
