/**
 * What the Messages diagram leaves unlabelled, in words for the line under it: a message sent
 * again and again with the same label is labelled once with "(N times)", and a label with no
 * room is left out (layoutDiagram's scene.labels counts both). Pure.
 */
import type { Scene } from '../../../src-main/report/spacetime';

/** labelsNote says what the diagram's labels leave out ('' when every message that could be labelled is). */
export function labelsNote(labels: Scene['labels']): string {
  const parts: string[] = [];
  // One line at 1024×700 (about 60 characters): the panel's tooltip says the rest.
  if (labels.folded > 0) parts.push(`${labels.folded} repeat${labels.folded === 1 ? '' : 's'} in "(N times)"`);
  if (labels.crowded > 0) parts.push(`${labels.crowded} without room: zoom in`);
  return parts.length === 0 ? '' : `labels: ${parts.join(' · ')}`;
}
