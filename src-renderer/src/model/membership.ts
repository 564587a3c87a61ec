/**
 * Membership in words: how a protocol changes its configuration, what the change in
 * flight is doing ("adding n4: catching up"), and the run log's membership records as
 * timeline sentences. Pure; the graph's config line, the inspector and the timeline read it.
 */
import type { MembershipChange, MembershipMethod, RunLogRecord } from '../../../src-main/api/contract';
import type { Described } from './describe';

/** methodText names a membership method briefly and explains it in a sentence. */
export function methodText(m: MembershipMethod): { short: string; long: string } {
  switch (m) {
    case 'single-server':
      return {
        short: 'one server at a time',
        long:
          'Raft single-server changes (dissertation §4.1): each change adds or removes one server, so any ' +
          'majority of the old configuration overlaps any majority of the new one; a configuration is in force ' +
          'as soon as its entry is in a log, and the leader starts no change before the last one is applied.',
      };
    case 'log-window':
      return {
        short: 'through the log',
        long:
          'Multi-Paxos reconfiguration through the log: a configuration chosen at slot i governs the slots after i; ' +
          'the leader proposes nothing past an unchosen configuration and runs phase 1 again in the new one.',
      };
  }
}

const STEPS: Record<MembershipChange['step'], string> = {
  starting: 'starting its process',
  'adding-learner': 'adding it as a learner',
  'catching-up': 'catching up',
  promoting: 'promoting it to voter',
  transferring: 'handing leadership over',
  removing: 'removing it from the configuration',
  stopping: 'stopping its process',
};

/** stepText says what a membership change's step does ("catching up"); an unknown step reads as itself. */
export function stepText(step: string): string {
  return STEPS[step as MembershipChange['step']] ?? step;
}

/** changeText says what the change in flight is doing: "adding n4: catching up". */
export function changeText(p: MembershipChange): string {
  const verb = p.op === 'add' ? 'adding' : p.op === 'remove' ? 'removing' : 'transferring leadership to';
  const at = p.index !== undefined && p.index > 0 ? ` (entry ${p.index})` : '';
  return `${verb} ${p.node}: ${STEPS[p.step]}${at}`;
}

const MEMBER_KINDS = new Set([
  'member-change',
  'node-added',
  'conf-change',
  'learner-caught-up',
  'member-added',
  'member-removed',
  'member-change-failed',
  'transfer',
  'transfer-done',
  'transfer-failed',
]);

/** isMembershipRecord tells whether a run-log record is a step of a membership change or transfer. */
export function isMembershipRecord(kind: string): boolean {
  return MEMBER_KINDS.has(kind);
}

const CHANGE_WORDS: Record<string, string> = {
  addLearner: 'add {n} as a learner',
  promote: 'promote {n} to voter',
  remove: 'remove {n}',
};

const said = (text: string, tone: Described['tone'], nodes: string[]): Described => ({ text, tone, nodes, links: [] });

/** describeMembership renders a membership record in words ("n3 proposed: add n4 as a learner (entry 22)"). */
export function describeMembership(r: RunLogRecord): Described {
  const s = (k: string): string => (typeof r[k] === 'string' ? (r[k] as string) : '?');
  const node = s('node');
  switch (r.kind) {
    case 'member-change': {
      const step = s('step') as MembershipChange['step'];
      const op = s('op') as MembershipChange['op'];
      return said(changeText({ op, node, step, sinceMs: 0 }), '', [node]);
    }
    case 'node-added':
      return said(`${node} started on an empty file, to join the cluster`, '', [node]);
    case 'conf-change': {
      const what = (CHANGE_WORDS[s('change')] ?? `${s('change')} {n}`).replace('{n}', s('target'));
      const index = typeof r.index === 'number' ? ` (entry ${r.index})` : '';
      return said(`${node} proposed: ${what}${index}`, '', [node, s('target')]);
    }
    case 'learner-caught-up':
      return said(`${node} caught up with the leader (applied ${String(r.applied ?? '?')})`, 'ok', [node]);
    case 'member-added':
      return said(`${node} is a voter now`, 'ok', [node]);
    case 'member-removed':
      return said(`${node} left the cluster`, 'ok', [node]);
    case 'member-change-failed':
      return said(`${s('op')} ${node} stopped at "${s('step')}": ${s('error')}`, 'fail', [node]);
    case 'transfer':
      return said(`${s('from')} hands leadership to ${s('to')}`, '', [s('from'), s('to')]);
    case 'transfer-done':
      return said(`${s('to')} took over from ${s('from')}`, 'ok', [s('from'), s('to')]);
    default:
      return said(`${s('from')} could not hand over to ${s('to')}: ${s('error')}`, 'warn', [s('from'), s('to')]);
  }
}
