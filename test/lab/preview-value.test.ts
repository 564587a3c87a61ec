/**
 * A client-complete record carries a bounded preview of the operation's value, so the
 * timeline can say "put k = v → ok" without the run log holding every value whole (the
 * client history does).
 */
import { describe, expect, it } from 'vitest';
import { previewValue, PREVIEW_CHARS } from '../../src-main/lab/lab-requests';

describe('the run log keeps a bounded preview of each value', () => {
  it('cuts long strings and keeps the shapes the timeline reads', () => {
    expect(previewValue('v')).toBe('v');
    const cut = previewValue('x'.repeat(1000)) as string;
    expect(cut).toHaveLength(PREVIEW_CHARS);
    expect(cut.endsWith('…')).toBe(true);
    expect(previewValue(['1', 'y'.repeat(100)])).toEqual(['1', `${'y'.repeat(PREVIEW_CHARS - 1)}…`]);
    expect(previewValue({ owner: 'alice', ttlMs: 5000, token: 3 })).toEqual({ owner: 'alice', ttlMs: 5000, token: 3 });
    expect(previewValue({ a: { b: 'deep' } })).toEqual({ a: null });
    expect(previewValue(null)).toBeNull();
    expect(previewValue(undefined)).toBeNull();
  });
});
