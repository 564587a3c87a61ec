/**
 * Link bandwidth in words: parsing "64KiB/s" (the console, the link dialog) and writing a
 * rate back the same way (the topology's link labels, the run log's descriptions). Rates
 * are bytes a second; 0 means the link has no rate limit. Pure, shared by the lab and the
 * renderer; the model itself is core/link-queue.ts.
 */
import { MAX_BANDWIDTH } from '../core/link-queue';

export { MAX_BANDWIDTH };

/** UNITS maps a unit (lower case, without "/s") to its bytes: KiB/MiB/GiB are binary, kB/MB/GB decimal. */
const UNITS: Record<string, number> = {
  b: 1,
  kib: 1024,
  mib: 1024 * 1024,
  gib: 1024 * 1024 * 1024,
  kb: 1000,
  mb: 1000 * 1000,
  gb: 1000 * 1000 * 1000,
};

/**
 * parseBandwidth reads a rate like "64KiB/s", "1.5 MiB/s", "500B/s" or "2MB" (the "/s"
 * is optional; a bare number is bytes a second); "0", "off" and "unlimited" mean no limit
 * (0). It returns the rate in whole bytes a second, or an error message.
 */
export function parseBandwidth(text: string): number | string {
  const t = text.trim();
  if (/^(off|unlimited|none)$/i.test(t)) return 0;
  const m = /^(\d+(?:\.\d+)?)\s*([a-z]*)(\/s)?$/i.exec(t);
  if (!m) return `expected a rate like 64KiB/s, 1MiB/s or 500B/s, got "${t.slice(0, 40)}"`;
  const unit = (m[2] ?? '').toLowerCase();
  const mult = unit === '' ? 1 : UNITS[unit];
  if (mult === undefined) return `unknown unit "${m[2]}": use B, KiB, MiB, GiB (or kB, MB, GB), per second`;
  const rate = Math.round(Number(m[1]) * mult);
  if (rate === 0 && Number(m[1]) !== 0) return 'a rate must be at least 1 B/s (0 removes the limit)';
  if (rate > MAX_BANDWIDTH) return `a rate must be at most 1GiB/s, got ${formatBandwidth(rate)}`;
  return rate;
}

/** formatBytes writes a byte count briefly: "512 B", "64 KiB", "1.5 MiB". */
export function formatBytes(n: number): string {
  if (n < 1024) return `${Math.round(n)} B`;
  const units = ['KiB', 'MiB', 'GiB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  const digits = v < 10 && v !== Math.round(v) ? 1 : 0;
  return `${v.toFixed(digits)} ${units[i]}`;
}

/** formatBandwidth writes a rate the way the console reads it back ("64 KiB/s"); 0 is "unlimited". */
export function formatBandwidth(rate: number): string {
  return rate > 0 ? `${formatBytes(rate)}/s` : 'unlimited';
}
