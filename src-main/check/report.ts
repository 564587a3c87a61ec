/**
 * formatReport: a check's result as text for people (the CLI's output). The last line is
 * the verdict: `linearizable`, `not linearizable` (the witness above it) or `unknown (…)`.
 */
import type { CheckResult, Violation, WitnessOp } from './types';

/** MAX_SHOWN_OPS bounds how many window operations the text shows. */
export const MAX_SHOWN_OPS = 60;

/** verdictLine is the last line of a report. */
export function verdictLine(r: CheckResult, unknownWhy: string): string {
  if (r.linearizable === true) return 'linearizable';
  if (r.linearizable === false) return 'not linearizable';
  return `unknown (${unknownWhy})`;
}

function span(w: WitnessOp): string {
  if (w.stillRunning) return `from event ${w.call + 1}, still running then`;
  return w.ret === null
    ? `from event ${w.call + 1}, never returned (indeterminate)`
    : `events ${w.call + 1}–${w.ret + 1}`;
}

/** formatViolation is the readable witness. */
export function formatViolation(v: Violation): string[] {
  const name = v.key === '' ? 'the register' : `key ${JSON.stringify(v.key)}`;
  const out = [`${name} (${v.model} model): ${v.explanation}.`];
  if (v.initial.length > 0 && !(v.initial.length === 1 && /= nothing$|free$/.test(v.initial[0] ?? ''))) {
    out.push(`at the window's start: ${v.initial.join(' or ')}`);
  }
  out.push(
    `window (${v.window.length} operations${v.minimised ? ', minimised' : ''}; op = the history index of its invoke):`,
  );
  const width = Math.min(40, Math.max(...v.window.map((w) => w.description.length)));
  for (const w of v.window.slice(0, MAX_SHOWN_OPS)) {
    const mark = w.index === v.culprit ? '  ← cannot be placed' : '';
    const seen =
      w.couldHaveSeen === undefined
        ? ''
        : `  could have seen: ${w.couldHaveSeen.length > 0 ? w.couldHaveSeen.map((i) => `op ${i}`).join(', ') : 'no write in the window'}${w.initialCouldExplain ? ' (or the value at the start)' : ''}`;
    out.push(
      `  op ${String(w.index).padStart(6)}  process ${String(w.process).padStart(3)}  ${w.description.padEnd(width)}  ${span(w)}${mark}${seen}`,
    );
  }
  if (v.window.length > MAX_SHOWN_OPS) out.push(`  … and ${v.window.length - MAX_SHOWN_OPS} more (see --json)`);
  if (v.longestOrder.length > 0) {
    const shown = v.longestOrder.slice(0, MAX_SHOWN_OPS).map((i) => `op ${i}`);
    out.push(`longest legal order found: ${shown.join(', ')}${v.longestOrder.length > MAX_SHOWN_OPS ? ', …' : ''}`);
  }
  return out;
}

/** formatReport is the whole text report: a summary line, the witness if any, and the verdict. */
export function formatReport(r: CheckResult, head: string, unknownWhy: string): string {
  const lines = [
    `${head}: ${r.ops} operations on ${r.keys} ${r.keys === 1 ? 'key' : 'keys'}, ${r.model} model, ${r.steps} search steps`,
  ];
  if (r.violation) lines.push(...formatViolation(r.violation));
  if (r.linearizable === null && r.unknownKeys.length > 0) {
    lines.push(
      `undecided keys: ${r.unknownKeys
        .slice(0, 20)
        .map((k) => JSON.stringify(k))
        .join(', ')}${r.unknownKeys.length > 20 ? ', …' : ''}`,
    );
  }
  lines.push(verdictLine(r, unknownWhy));
  return lines.join('\n');
}
