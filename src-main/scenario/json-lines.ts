/**
 * jsonLines maps each value of a JSON text to the line it starts on, by path
 * (`steps[3].node`), so an error about a field can say where in the file it is. It scans
 * text JSON.parse has already accepted, so it only has to find where values begin: it
 * walks strings, numbers and literals without judging them, with an explicit stack (no
 * recursion, so nesting cannot overflow it). Pure.
 */

/** jsonLines returns path → 1-based line of that value's first character ('' is the root). */
export function jsonLines(text: string): Map<string, number> {
  const lines = new Map<string, number>();
  // Each open container: its path, whether it is an array, the next index, the pending key.
  const stack: { path: string; array: boolean; index: number; key: string | null }[] = [];
  let line = 1;
  let i = 0;
  const childPath = (): string => {
    const top = stack[stack.length - 1];
    if (!top) return '';
    if (top.array) return `${top.path}[${top.index}]`;
    return top.path === '' ? (top.key ?? '') : `${top.path}.${top.key ?? ''}`;
  };
  const value = (): void => {
    const p = childPath();
    if (!lines.has(p)) lines.set(p, line);
  };
  while (i < text.length) {
    const c = text[i]!;
    if (c === '\n') {
      line++;
      i++;
      continue;
    }
    if (c === '"') {
      const end = stringEnd(text, i);
      const top = stack[stack.length - 1];
      if (top && !top.array && top.key === null) {
        top.key = JSON.parse(text.slice(i, end)) as string;
      } else value();
      i = end;
      continue;
    }
    if (c === '{' || c === '[') {
      value();
      stack.push({ path: childPath(), array: c === '[', index: 0, key: null });
      i++;
      continue;
    }
    if (c === '}' || c === ']') {
      stack.pop();
      i++;
      continue;
    }
    if (c === ',') {
      const top = stack[stack.length - 1];
      if (top?.array) top.index++;
      else if (top) top.key = null;
      i++;
      continue;
    }
    if (c === ':' || c === ' ' || c === '\t' || c === '\r') {
      i++;
      continue;
    }
    // A number or a literal (true, false, null): record it and skip to its end.
    value();
    while (i < text.length && !/[\s,\]}]/.test(text[i]!)) i++;
  }
  return lines;
}

/** stringEnd returns the index just past the string literal that starts at `start`. */
function stringEnd(text: string, start: number): number {
  let i = start + 1;
  while (i < text.length) {
    const c = text[i];
    if (c === '\\') i += 2;
    else if (c === '"') return i + 1;
    else i++;
  }
  return i;
}

/** lineOf finds the line of `path`, or of its nearest parent that has one. */
export function lineOf(lines: Map<string, number>, path: string): number | null {
  let p = path;
  for (;;) {
    const l = lines.get(p);
    if (l !== undefined) return l;
    if (p === '') return null;
    const cut = Math.max(p.lastIndexOf('.'), p.lastIndexOf('['));
    p = cut <= 0 ? '' : p.slice(0, cut);
  }
}
