/**
 * The timeline's time column has a unit and an origin (model/timeline-rows.ts): "seconds
 * since the cluster started" over the column, and in its tooltip that moment on the
 * reader's clock — a newcomer read "12.345" as ms, or as the time of day.
 */
import { describe, expect, it } from 'vitest';
import { TIME_HEAD, timeHeadTitle } from '../../src-renderer/src/model/timeline-rows';

describe('the time column’s heading', () => {
  it('reads "seconds since the cluster started" across the two columns', () => {
    expect(`${TIME_HEAD.unit} ${TIME_HEAD.since}`).toBe('seconds since the cluster started');
  });

  it('says in its tooltip when the cluster started, on the reader’s clock', () => {
    const at = Date.UTC(2026, 11, 3, 9, 30, 5);
    const t = timeHeadTitle(at, false);
    expect(t).toMatch(/^Each row's time is in seconds \(to the millisecond\) since this cluster started \(/);
    expect(t).toContain(new Date(at).toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'medium' }));
    expect(t).toContain('12.345 is 12 s and 345 ms after it was created');
    expect(timeHeadTitle(at, true)).toMatch(/since the saved run’s cluster started/);
    // Not known (a view without it): no made-up moment.
    expect(timeHeadTitle(null, false)).not.toMatch(/on your clock/);
  });
});
