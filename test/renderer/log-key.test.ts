/**
 * The inspector's log boxes are coloured by term with a key under them (model/log-key.ts):
 * each term shown gets one swatch in its boxes' colour, labelled with the term (a Paxos
 * ballot as round.node), in the order the log reaches it — readable at six terms and more.
 */
import { describe, expect, it } from 'vitest';
import { logKey, termColor } from '../../src-renderer/src/model/log-key';
import { PAXOS_WORDS, RAFT_WORDS } from '../../src-renderer/src/model/protocol-words';

describe('the log boxes’ key', () => {
  it('has one labelled swatch per term shown, in the colour of its boxes', () => {
    const entries = [1, 1, 2, 2, 2, 4, 5, 6, 7, 8, 9].map((term) => ({ term }));
    const key = logKey(entries, RAFT_WORDS);
    expect(key.map((k) => k.label)).toEqual(['1', '2', '4', '5', '6', '7', '8', '9']);
    expect(key.map((k) => k.count)).toEqual([2, 3, 1, 1, 1, 1, 1, 1]);
    for (const k of key) expect(k.color).toBe(termColor(k.term));
    // Neighbouring terms never share a colour, so the key tells them apart.
    const colours = key.map((k) => k.color);
    expect(new Set(colours).size).toBe(colours.length);
  });

  it('labels a Multi-Paxos ballot as round.node, never the integer 301', () => {
    expect(logKey([{ term: 301 }, { term: 402 }], PAXOS_WORDS).map((k) => k.label)).toEqual(['3.n1', '4.n2']);
  });

  it('is empty for an empty log', () => {
    expect(logKey([], RAFT_WORDS)).toEqual([]);
  });
});
