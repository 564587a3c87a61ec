/** The XML checker the SVG tests rely on refuses what a browser's parser refuses. */
import { describe, expect, it } from 'vitest';
import { parseXml } from './xml-check';

describe('parseXml', () => {
  it('reads a well-formed document and its texts', () => {
    const els = parseXml('<svg a="1"><g><text x="1">a &amp; b</text></g><rect/></svg>');
    expect(els.map((e) => e.name)).toEqual(['svg', 'g', 'text', 'rect']);
    expect(els[2]!.text).toBe('a & b');
  });
  it.each([
    ['<svg><g></svg>', 'closes'],
    ['<svg>a & b</svg>', 'bare &'],
    ['<svg a="1" a="2"></svg>', 'repeated'],
    ['<svg a=1></svg>', 'malformed'],
    ['<svg></svg><svg></svg>', 'more than one root'],
    ['<svg><text>x</text>', 'never closed'],
    ['<svg x="<"></svg>', 'bare <'],
  ])('refuses %s', (doc, error) => {
    expect(() => parseXml(doc)).toThrow(error);
  });
});
