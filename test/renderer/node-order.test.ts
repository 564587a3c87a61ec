/**
 * Node order (model/node-order.ts): every list of nodes a newcomer reads — the sentences'
 * names, the balance table, the chips, the console's completion — runs n1, n2, … n9, n10,
 * not in string order (n1, n10, n2) nor in the order the records came in.
 */
import { describe, expect, it } from 'vitest';
import { followText, noLeaderText, termText } from '../../src-renderer/src/model/describe';
import { compareNodeIds, sortNodeIds } from '../../src-renderer/src/model/node-order';
import { RunModel } from '../../src-renderer/src/model/run-model';

const rec = (s: number, kind: string, f: Record<string, unknown>) => ({
  t: s * 1e9,
  seq: Math.round(s * 1000),
  kind,
  ...f,
});

describe('node order', () => {
  it('compares the numbers in ids as numbers', () => {
    expect(sortNodeIds(['n10', 'n2', 'n1', 'n9'])).toEqual(['n1', 'n2', 'n9', 'n10']);
    expect(compareNodeIds('n2', 'n10')).toBeLessThan(0);
    expect(sortNodeIds(['b', 'a'])).toEqual(['a', 'b']);
  });

  it('writes the names of a sentence in node order, whatever order they came in', () => {
    expect(followText('n3', ['n10', 'n2', 'n1'])).toBe('n1, n2 and n10 follow leader n3');
    expect(noLeaderText(['n5', 'n4'])).toBe('n4 and n5 know of no leader');
    expect(
      termText(4, [
        { node: 'n3', vote: 'n3' },
        { node: 'n10', vote: 'n3' },
        { node: 'n2', vote: 'n3' },
      ]),
    ).toBe('term 4: n3 voted for itself; n2 and n10 voted for n3');
  });

  it("a leader's win names its voters n2 before n10", () => {
    const m = new RunModel();
    m.ingest(rec(1, 'term', { node: 'n10', term: 2, vote: 'n1' }));
    m.ingest(rec(1.001, 'term', { node: 'n2', term: 2, vote: 'n1' }));
    m.ingest(rec(1.002, 'role', { node: 'n1', role: 'leader', term: 2, from: 'candidate' }));
    const v = m.rows.view(['state']);
    expect(v.slice(0, v.count).map((r) => r.text)).toContain(
      'n1 became leader of term 2 with votes from n2, n10 and itself',
    );
  });
});
