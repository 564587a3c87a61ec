/**
 * Reading run-log records defensively: a saved run is a file from disk, so a field may be
 * missing or of the wrong type; these return null instead.
 */
import type { RunLogRecord } from '../api/contract';

/** str reads a string field or null. */
export function str(r: RunLogRecord, f: string): string | null {
  const v = r[f];
  return typeof v === 'string' ? v : null;
}

/** num reads a finite number field or null. */
export function num(r: RunLogRecord, f: string): number | null {
  const v = r[f];
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}
