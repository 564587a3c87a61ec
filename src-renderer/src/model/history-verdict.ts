/**
 * The consistency verdict in words: the header chip (`Linearizable ✓ · checked live: 12,345 ops`,
 * `checking… · 640 behind`, `Not linearizable: key x at 12.3 s`), its tooltip, and the
 * console's `check` answer.
 */
import type { CheckVerdict } from '../../../src-main/api/contract';

/**
 * LAG_SHOWN: the chip says "checking…" once this many completed operations wait for the
 * checker. Fewer is the normal hum of a busy run: the lab hands operations to the checker in
 * batches and checks a batch at a time (lab/check-pump.ts), so a 64-client load keeps a few
 * hundred in flight even when the checker keeps up.
 */
export const LAG_SHOWN = 500;

/** ChipTone colours the chip. */
export type ChipTone = 'ok' | 'warn' | 'bad' | 'idle';

/** Chip is the header chip's look. */
export interface Chip {
  text: string;
  tone: ChipTone;
  title: string;
}

const count = (n: number): string => n.toLocaleString('en-US');

/** seconds writes a run time in ns as seconds (`12.3 s`). */
export function seconds(tNs: number): string {
  return `${(tNs / 1e9).toFixed(1)} s`;
}

/** keyName quotes a key that would read ambiguously in a sentence. */
function keyName(key: string): string {
  return /^[\w.:-]{1,40}$/.test(key) ? key : JSON.stringify(key.length > 40 ? `${key.slice(0, 39)}…` : key);
}

/** verdictChip is the header chip for a verdict (null: none known yet). */
export function verdictChip(v: CheckVerdict | null, replay = false): Chip {
  const where = replay ? 'the saved run' : 'this run';
  if (v === null)
    return { text: 'checking…', tone: 'warn', title: `The consistency verdict of ${where} is not known yet.` };
  if (v.linearizable === false) {
    const x = v.violation;
    return {
      text: x ? `Not linearizable: key ${keyName(x.key)} at ${seconds(x.time)}` : 'Not linearizable',
      tone: 'bad',
      title: `${x ? `${x.explanation}. ` : ''}Click to see the operations that cannot be ordered.`,
    };
  }
  if (v.linearizable === null) {
    return { text: 'Consistency unknown', tone: 'warn', title: `${v.reason ?? 'The checker could not decide.'}` };
  }
  const checked = v.ops - v.lagOps;
  const every = `every one of the ${count(checked)} completed client operations checked so far in ${where} can be given one moment between its call and its answer, in an order a single copy of the data would have answered alike.`;
  if (v.lagOps >= LAG_SHOWN || (checked === 0 && v.lagOps > 0))
    return {
      text: `checking… · ${count(v.lagOps)} behind`,
      tone: 'warn',
      title: `Linearizable so far: ${every} ${count(v.lagOps)} more wait for the checker. Click for the history.`,
    };
  if (checked === 0)
    return {
      text: 'No operations yet',
      tone: 'idle',
      title: `No client operation has completed in ${where} yet: send one (put x 1 in the console) and the checker says whether the history stays linearizable. Click for the history.`,
    };
  // The chip names what checked it and over what: the lab's checker, live, over the whole history so far.
  const by = replay
    ? `Checked in this page by the linearizability checker over the saved run's whole client history`
    : `Checked live by the lab's linearizability checker (it takes each operation as it completes) over this run's whole client history so far`;
  const keys = v.keys > 0 ? ` on ${count(v.keys)} ${v.keys === 1 ? 'key' : 'keys'}, each key on its own` : '';
  return {
    text: `Linearizable ✓ · ${replay ? 'checked' : 'checked live'}: ${count(checked)} ${checked === 1 ? 'op' : 'ops'}`,
    tone: 'ok',
    title: `${by} — ${count(checked)} completed ${checked === 1 ? 'operation' : 'operations'}${keys}. Linearizable: ${every} Click for the full check: the history view, every operation as a bar from its call to its answer.`,
  };
}

/** verdictLines is the console's `check` answer: the verdict, then for a violation its window. */
export function verdictLines(v: CheckVerdict, replay = false): string[] {
  const where = replay ? ' (the saved run)' : '';
  if (v.linearizable === null) return [`consistency unknown${where}: ${v.reason ?? 'the checker could not decide'}`];
  if (v.linearizable === true) {
    const behind = v.lagOps > 0 ? `; ${count(v.lagOps)} more not checked yet` : '';
    const n = v.ops - v.lagOps;
    return [
      `linearizable${where}: ${count(n)} ${n === 1 ? 'operation' : 'operations'} on ${count(v.keys)} ${v.keys === 1 ? 'key' : 'keys'} checked${behind}`,
    ];
  }
  const x = v.violation;
  if (!x) return [`not linearizable${where}`];
  const out = [`not linearizable${where}: key ${keyName(x.key)} at ${seconds(x.time)} — ${x.explanation}`];
  for (const w of x.window.slice(0, 12)) {
    const mark = w.index === x.culprit ? '  ← cannot be placed' : '';
    const seen =
      w.couldHaveSeen === undefined
        ? ''
        : `  (could have seen: ${w.couldHaveSeen.length > 0 ? w.couldHaveSeen.map((i) => `op ${i}`).join(', ') : 'no write in the window'}${w.initialCouldExplain ? ', or the value before' : ''})`;
    out.push(`  op ${w.index}  ${w.description}  at ${seconds(w.time)}${mark}${seen}`);
  }
  if (x.window.length > 12) out.push(`  … and ${x.window.length - 12} more`);
  out.push('The history view (click the verdict in the header) highlights these operations.');
  return out;
}
