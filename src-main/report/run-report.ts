/**
 * The figures an exported run carries beside check.json, so a run folder explains itself
 * without the app: latency.svg (the latency scatter of the whole run), throughput.svg,
 * messages.svg (the space-time diagram of a bounded window: around the first violation
 * the checker found, else the run's last seconds — narrowed until each message can be
 * drawn, if it can), and index.html, a page with no script that shows the verdict and the
 * three figures. Pure: the lab's export (lab/lab-service.ts) writes what this returns.
 */
import type { ClusterSettings, HistoryOp, RunLogRecord } from '../api/contract';
import { formatRunTime } from './axes';
import { groupLinkFaults } from '../api/fault-groups';
import { FaultLog, type FaultPeriod } from './faults';
import { sampleHistory } from './latency';
import { MessageLog } from './message-log';
import { latencySvg, throughputSvg } from './plots';
import { ratesOfHistory } from './rates';
import { layoutDiagram, naturalOrder, type Scene } from './spacetime';
import { spaceTimeSvg } from './spacetime-svg';
import { esc } from './xml';

/** REPORT_FILES names the figures and the page an export writes. */
export const REPORT_FILES = {
  latency: 'latency.svg',
  throughput: 'throughput.svg',
  messages: 'messages.svg',
  index: 'index.html',
} as const;

/** MESSAGE_WINDOWS_NS are the windows messages.svg tries, widest first, until every message can be drawn. */
export const MESSAGE_WINDOWS_NS = [10e9, 2e9, 0.5e9] as const;

/** RunReportInput is what the figures are made of. */
export interface RunReportInput {
  /** log: the run log records the lab still holds (oldest first). */
  log: Iterable<RunLogRecord>;
  history: readonly HistoryOp[];
  settings: ClusterSettings;
  check: { ok: boolean; summary: string };
  /** violationT: when the first operation of the checker's violation window began (ns), if it found one. */
  violationT?: number | null;
  /** name: the run folder's name (the page's title). */
  name?: string;
}

/** ReportFile is one file to write into the run folder. */
export interface ReportFile {
  name: string;
  text: string;
}

const WIDTH = 960;

/** messagesScene lays out messages.svg's window (see the file comment). */
export function messagesScene(
  log: MessageLog,
  faults: readonly FaultPeriod[],
  endT: number,
  violationT: number | null,
): Scene {
  const nodes = [...log.nodes].sort(naturalOrder);
  const height = 40 + Math.max(2, nodes.length) * 46;
  let scene: Scene | null = null;
  for (const span of MESSAGE_WINDOWS_NS) {
    const from = violationT !== null ? Math.max(0, violationT - span / 2) : Math.max(0, endT - span);
    const to = violationT !== null ? Math.min(endT, from + span) : Math.max(endT, span);
    scene = layoutDiagram(log, {
      from,
      to,
      now: endT,
      width: WIDTH,
      height,
      orientation: 'horizontal',
      foldHeartbeats: true,
      faults,
      nodes,
    });
    if (scene.mode === 'arrows') break;
  }
  return scene!;
}

/** runReportFiles builds the SVGs and index.html of a run (see the file comment). */
export function runReportFiles(i: RunReportInput): ReportFile[] {
  const faults = new FaultLog();
  const messages = new MessageLog();
  let endT = 0;
  for (const r of i.log) {
    faults.add(r);
    messages.add(r);
    if (r.t > endT) endT = r.t;
  }
  for (const op of i.history) if (op.time > endT) endT = op.time;
  const periods = faults.periods.toArray();
  const sample = sampleHistory(i.history);
  const base = {
    width: WIDTH,
    height: 340,
    from: 0,
    to: Math.max(endT, 1e9),
    now: endT,
    // Links under one rule share a lane, as in the app's Report tab: one lossy-network preset is one lane, not ten.
    faults: groupLinkFaults(periods),
    theme: 'light' as const,
  };
  const latency = latencySvg({
    ...base,
    title: 'Latency of each client operation (log scale)',
    points: sample.points(),
    total: sample.total,
  });
  const throughput = throughputSvg({
    ...base,
    height: 260,
    title: 'Throughput: completed operations per second',
    columns: ratesOfHistory(i.history).columns(0, base.to, 240),
  });
  const violationT = i.violationT ?? null;
  const scene = messagesScene(messages, periods, endT, violationT);
  const v = scene.view;
  const where = violationT !== null ? 'around the first violation' : 'the last messages the lab held';
  const msgs = spaceTimeSvg(scene, {
    theme: 'light',
    title: `Messages ${formatRunTime(v.from)}–${formatRunTime(v.to)} (${where}; ♥ = heartbeats folded, ✕ = dropped)`,
  });
  return [
    { name: REPORT_FILES.latency, text: latency },
    { name: REPORT_FILES.throughput, text: throughput },
    { name: REPORT_FILES.messages, text: msgs },
    { name: REPORT_FILES.index, text: indexHtml(i, endT) },
  ];
}

/** indexHtml is the run folder's page: the verdict, the settings, and the three figures (no script). */
export function indexHtml(i: RunReportInput, endT: number): string {
  const s = i.settings;
  const title = i.name ? `Quorum Lab run ${i.name}` : 'Quorum Lab run';
  const verdict = i.check.ok ? 'consistent' : 'NOT consistent';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src 'self'; style-src 'unsafe-inline'">
<title>${esc(title)}</title>
<style>
body { font: 14px system-ui, sans-serif; margin: 24px; color: #0f172a; max-width: 1000px; }
.verdict { padding: 8px 12px; border-radius: 6px; font-weight: 600; }
.ok { background: #dcfce7; color: #14532d; } .bad { background: #fee2e2; color: #7f1d1d; }
img { display: block; margin: 12px 0 24px; max-width: 100%; border: 1px solid #e2e8f0; }
code { background: #f1f5f9; padding: 1px 4px; }
</style></head><body>
<h1>${esc(title)}</h1>
<p class="verdict ${i.check.ok ? 'ok' : 'bad'}" id="verdict">Check: ${esc(verdict)} — ${esc(i.check.summary)}</p>
<p>${esc(`${s.protocol} · ${s.nodes} nodes · heartbeat ${s.heartbeatMs} ms · election ${s.electionMs} ms · seed ${s.seed}`)} · ${esc(
    `${formatRunTime(endT)} long, ${i.history.length} history events`,
  )}. The full record: <code>run.jsonl</code> (run log), <code>history.jsonl</code> (client history, Jepsen's shape),
<code>check.json</code> (the verdict and its witness).</p>
<h2>Latency</h2>
<p>Each client operation at the time it was invoked, by how long it took (log scale). Colour: ok, fail (certainly not applied), unknown (may have applied). Shape: the operation. Shaded bands and the lanes beneath: the faults in force.</p>
<img src="${REPORT_FILES.latency}" alt="latency scatter">
<h2>Throughput</h2>
<img src="${REPORT_FILES.throughput}" alt="throughput over time">
<h2>Messages</h2>
<p>One lane per node; each arrow a message from its send to its delivery, labelled by the protocol; ✕ marks a dropped message with the rule that dropped it; ♥N counts heartbeats folded; dots on the lanes are role changes (L leader, C candidate, F follower).</p>
<img src="${REPORT_FILES.messages}" alt="space-time diagram">
</body></html>
`;
}
