/**
 * What the Messages diagram leaves unlabelled, in words for the line under it: a message sent
 * again and again with the same label is labelled once with "(N times)", and a label with no
 * room is hidden (layoutDiagram's scene.labels counts both) — with how to see it. And the key
 * to the letters on the lanes (L, C, P, F) for the marks in view, shown where it is read: in
 * the diagram's tools, not past the cut of the legend's line. Pure.
 */
import type { Scene } from '../../../src-main/report/spacetime';
import { ROLE_COLORS, ROLE_LETTERS } from '../../../src-main/report/spacetime-svg';

/** labelsNote says what the diagram's labels leave out ('' when every message that could be labelled is). */
export function labelsNote(labels: Scene['labels']): string {
  const parts: string[] = [];
  // It shares one line with the legend's "♥N: N heartbeats" at 1024×700 (about 50 characters
  // of the line's 70): the panel's tooltip says the rest (how to zoom: the wheel).
  if (labels.folded > 0) parts.push(`${labels.folded} repeat${labels.folded === 1 ? '' : 's'} as "(N times)"`);
  if (labels.crowded > 0) parts.push(`${labels.crowded} hidden: zoom in`);
  return parts.length === 0 ? '' : `labels: ${parts.join(' · ')}`;
}

/** RoleKeyItem is one letter of the lanes' key: the letter, its mark's colour, and the role in words. */
export interface RoleKeyItem {
  role: string;
  letter: string;
  color: string;
  word: string;
}

/** KEY_ORDER: the key's order, as an election goes (a pre-candidate, a candidate, a leader, a follower). */
const KEY_ORDER = ['precandidate', 'candidate', 'leader', 'follower', 'learner'];

/** rolesInView lists the roles of the scene's role marks, once each, in the key's order. */
export function rolesInView(marks: Scene['marks']): string[] {
  const seen = new Set<string>();
  for (const m of marks)
    if (m.kind === 'role' && m.role !== null) seen.add(m.role === 'pre-candidate' ? 'precandidate' : m.role);
  const rank = (r: string): number => (KEY_ORDER.includes(r) ? KEY_ORDER.indexOf(r) : KEY_ORDER.length);
  return [...seen].sort((a, b) => rank(a) - rank(b));
}

/** roleKey is the key to the letters of `roles` on the lanes (a Multi-Paxos candidate runs phase 1). */
export function roleKey(roles: readonly string[], paxos: boolean): RoleKeyItem[] {
  return roles.map((role) => ({
    role,
    letter: ROLE_LETTERS[role] ?? '?',
    color: ROLE_COLORS[role] ?? '#94a3b8',
    word: role === 'precandidate' ? 'pre-candidate' : role === 'candidate' && paxos ? 'candidate (phase 1)' : role,
  }));
}
