/**
 * Adding a node, told in one timeline row. Adding n6 writes fifteen or so records within a
 * few milliseconds — its process started, connected and ready, the change's steps, the
 * leader proposing the learner and then the promotion, n6's own role, term and leader — and
 * a row each buried what happened. From the first step of an add until the node is a voter
 * (or the change failed), the new node's own records fold into one row that is rewritten in
 * place: "n6 added: started · learner (entry 3) · caught up (applied 3) · voter (entry 4),
 * in 219 ms". Each folded record's sentence is kept, bounded, as the row's steps, which the
 * timeline shows when the row is selected. Commits stay rows of their own: they belong to
 * the whole cluster. Pure and bounded: one open fold per node being added.
 *
 * When a step belongs to the add is decided by the add's own lifecycle, never by how long
 * it took: on a loaded machine a node can take seconds to start, catch up, or report that
 * it left the learner role, and a slow laptop must read the same row as a fast one. After
 * the node became a voter the fold waits for that one report (the node's switch from
 * learner), then ends; anything else about the node ends it at once.
 */
import type { RunLogRecord } from '../../../src-main/api/contract';
import type { Described } from './describe';
import { stepText } from './membership';
import { str, type Category } from './records';

/** MAX_FOLD_STEPS bounds the sentences one folded row keeps. */
export const MAX_FOLD_STEPS = 40;
/** FOLD_IDLE_NS: a fold that hears nothing of its node for this long is closed (a lab that stopped mid-change). */
export const FOLD_IDLE_NS = 60e9;

/** FoldRow is the part of a timeline row a fold rewrites. */
export interface FoldRow {
  /** ord / cat: the row's position in the run and its category (RunModel's Row). */
  ord: number;
  cat: Category;
  text: string;
  tone: Described['tone'];
  nodes: string[];
  /** steps: the folded records' sentences, "+12 ms  n6 is up", oldest first. */
  steps?: string[];
}

/** Fold is one node's add as far as the run log has told it. */
interface Fold {
  node: string;
  row: FoldRow;
  startT: number;
  lastT: number;
  /** doneT: when it became a voter or failed (null while the add runs). */
  doneT: number | null;
  learnerAt: number | null;
  /** promoteAt: the promotion's entry, once proposed; voterAt: the same, once the node is a voter. */
  promoteAt: number | null;
  voterAt: number | null;
  applied: number | null;
  started: boolean;
  /** wasLearner / leftLearner: the node reported itself a learner / reported leaving that role. */
  wasLearner: boolean;
  leftLearner: boolean;
  /** lastSeq: the newest folded record's seq (a status report's records have consecutive seqs). */
  lastSeq: number;
  step: string;
  failed: string | null;
}

/** OWN_KINDS are the new node's own records that fold into its row while it is added. */
const OWN_KINDS = new Set([
  'node-added',
  'router-connect',
  'node-ready',
  'role',
  'term',
  'leader',
  'learner-caught-up',
]);
/** AFTER_KINDS still fold in after the add ended: the node's own report of its switch from learner to follower. */
const AFTER_KINDS = new Set(['role', 'term', 'leader']);

/** ENDING_KINDS end an added node's fold once its add is over: the node's life goes on in rows of its own. */
const ENDING_KINDS = new Set(['crash', 'node-died', 'node-exit', 'restart', 'pause', 'resume', 'member-removed']);

/** FOLDABLE_KINDS are every record kind a fold can take (the model asks about no others). */
export const FOLDABLE_KINDS: ReadonlySet<string> = new Set([
  ...OWN_KINDS,
  'member-change',
  'conf-change',
  'member-added',
  'member-change-failed',
]);

/** AddFolds keeps the open folds of a run (see the file comment). */
export class AddFolds {
  private folds = new Map<string, Fold>();

  /** openRows are the rows the folds may still rewrite. */
  openRows(): FoldRow[] {
    return [...this.folds.values()].map((f) => f.row);
  }

  /** clear forgets every fold (a new cluster). */
  clear(): void {
    this.folds.clear();
  }

  /**
   * take folds record r in if it belongs to a node being added, and returns true; `describe`
   * gives the record's own sentence (asked only for a record that folds). A fold's first
   * record gets a row from `newRow`, which the fold rewrites from then on.
   */
  take(r: RunLogRecord, describe: () => Described, newRow: (w: Described) => FoldRow): boolean {
    const node = subjectOf(r);
    if (node === null) return false;
    let said: Described | undefined;
    let f = this.folds.get(node);
    if (f && r.t - f.lastT > FOLD_IDLE_NS) {
      this.folds.delete(node);
      f = undefined;
    }
    // A node standing for election is news of its own, never a step of its add (and an
    // add that is over has no more steps once the node campaigns).
    if (r.kind === 'role' && str(r, 'role') !== 'follower' && str(r, 'role') !== 'learner') {
      if (f !== undefined && f.doneT !== null) this.folds.delete(node);
      return false;
    }
    if (!f) {
      if (r.kind !== 'member-change' || str(r, 'op') !== 'add') return false;
      said = describe();
      f = newFold(node, r.t, newRow(said));
      this.folds.set(node, f);
    } else if (f.doneT !== null) {
      if (!settling(f, r)) {
        this.folds.delete(node);
        return false;
      }
    } else if (!OWN_KINDS.has(r.kind) && !isChangeOf(r, node)) return false;
    said ??= describe();
    note(f, r);
    f.lastT = r.t;
    f.lastSeq = r.seq;
    const steps = (f.row.steps ??= []);
    if (steps.length < MAX_FOLD_STEPS) steps.push(`+${Math.round((r.t - f.startT) / 1e6)} ms  ${said.text}`);
    f.row.text = summary(f);
    f.row.tone = f.failed !== null ? 'fail' : f.voterAt !== null ? 'ok' : '';
    return true;
  }

  /**
   * other hears a record of a kind no fold takes: a crash, stop or restart of a node whose
   * add is over ends its fold, so the node's later life gets rows of its own. An add still
   * running keeps its fold (a failure folds in when it comes).
   */
  other(r: RunLogRecord): void {
    if (!ENDING_KINDS.has(r.kind)) return;
    const node = str(r, 'node');
    const f = node === null ? undefined : this.folds.get(node);
    if (f !== undefined && f.doneT !== null) this.folds.delete(f.node);
  }
}

/**
 * settling tells whether r, a record of a node whose add is over, is still the node
 * settling into its new role: until the node reports leaving the learner role, its own
 * role, term and leader records (however late they come); after that report, only the
 * rest of that same status report (its records have consecutive seqs). A node that never
 * reported itself a learner has no switch to wait for.
 */
function settling(f: Fold, r: RunLogRecord): boolean {
  if (!AFTER_KINDS.has(r.kind)) return false;
  if (f.wasLearner && !f.leftLearner) return true;
  return r.kind !== 'role' && r.seq === f.lastSeq + 1;
}

function newFold(node: string, t: number, row: FoldRow): Fold {
  row.nodes = [node];
  return {
    node,
    row,
    startT: t,
    lastT: t,
    doneT: null,
    learnerAt: null,
    promoteAt: null,
    voterAt: null,
    applied: null,
    started: false,
    wasLearner: false,
    leftLearner: false,
    lastSeq: -1,
    step: 'starting',
    failed: null,
  };
}

/** subjectOf is the node a record is about, for folding: a conf-change's target, else its node. */
function subjectOf(r: RunLogRecord): string | null {
  return r.kind === 'conf-change' ? str(r, 'target') : str(r, 'node');
}

/** isChangeOf tells whether r is a step of the add of `node` (the records that move it on). */
function isChangeOf(r: RunLogRecord, node: string): boolean {
  switch (r.kind) {
    case 'member-change':
      return str(r, 'op') === 'add' && str(r, 'node') === node;
    case 'conf-change':
      return str(r, 'target') === node;
    case 'member-added':
    case 'member-change-failed':
      return str(r, 'node') === node;
    default:
      return false;
  }
}

/** note updates what the fold knows from one record. */
function note(f: Fold, r: RunLogRecord): void {
  const index = typeof r.index === 'number' ? r.index : null;
  switch (r.kind) {
    case 'member-change':
      f.step = str(r, 'step') ?? f.step;
      return;
    case 'node-ready':
      f.started = true;
      return;
    case 'role':
      if (str(r, 'role') === 'learner') f.wasLearner = true;
      else if (str(r, 'from') === 'learner') f.leftLearner = true;
      return;
    case 'conf-change':
      if (str(r, 'change') === 'addLearner') f.learnerAt = index ?? 0;
      else if (str(r, 'change') === 'promote') f.promoteAt = index ?? 0;
      return;
    case 'learner-caught-up':
      f.applied = typeof r.applied === 'number' ? r.applied : f.applied;
      return;
    case 'member-added':
      f.voterAt = f.promoteAt ?? 0;
      f.doneT = r.t;
      return;
    case 'member-change-failed':
      f.failed = `stopped at "${str(r, 'step') ?? f.step}": ${str(r, 'error') ?? 'unknown error'}`;
      f.doneT = r.t;
      return;
    default:
      return;
  }
}

const entry = (i: number | null): string => (i !== null && i > 0 ? ` (entry ${i})` : '');

/** summary is the folded row's sentence. */
function summary(f: Fold): string {
  const parts: string[] = [];
  if (f.started) parts.push('started');
  if (f.learnerAt !== null) parts.push(`learner${entry(f.learnerAt)}`);
  if (f.applied !== null) parts.push(`caught up (applied ${f.applied})`);
  if (f.voterAt !== null) parts.push(`voter${entry(f.voterAt)}`);
  const so = parts.join(' · ');
  if (f.failed !== null) return `adding ${f.node} failed${so ? ` after ${so}` : ''}: ${f.failed}`;
  if (f.doneT !== null) return `${f.node} added: ${so}, in ${Math.round((f.doneT - f.startT) / 1e6)} ms`;
  const now = stepText(f.step);
  return `adding ${f.node}: ${so ? `${so} · ` : ''}${now}…`;
}
