/**
 * Throughput and latency of client operations over the whole run, built as completions
 * arrive: one fixed-size bucket per second, each with ok/failed counts and a log-scale
 * latency histogram, so adding a completion is O(1) and a chart of any window reads only
 * that window's buckets. A run longer than MAX_BUCKETS seconds doubles the bucket width
 * (merging neighbours) instead of forgetting its start: memory stays bounded and the first
 * second is never dropped, only coarsened.
 */

/** Bucket is one time slice of the charts. */
export interface Bucket {
  /** t: start of the slice, ns since the run began. */
  t: number;
  /** widthNs: the slice's length. */
  widthNs: number;
  ok: number;
  failed: number;
  /** p50 / p99: latency quantiles of the slice's ok operations in ms (null when it had none). */
  p50: number | null;
  p99: number | null;
}

/** BUCKET_NS is the width of a bucket until the run outgrows MAX_BUCKETS. */
export const BUCKET_NS = 1e9;
/** MAX_BUCKETS bounds the buckets kept (two hours of one-second buckets). */
export const MAX_BUCKETS = 7200;
/** LAT_BINS is the latency histogram's size: bins of ×1.1 from 0.01 ms up to ~50 s. */
export const LAT_BINS = 162;
const LAT_MIN_MS = 0.01;
const LAT_RATIO = 1.1;
const LN_RATIO = Math.log(LAT_RATIO);

/** latencyBin returns the histogram bin of a latency in ms. */
export function latencyBin(ms: number): number {
  if (!(ms > LAT_MIN_MS)) return 0;
  return Math.min(LAT_BINS - 1, Math.floor(Math.log(ms / LAT_MIN_MS) / LN_RATIO));
}

/** binValue returns a bin's representative latency (its geometric middle), within 5% of any latency in it. */
export function binValue(bin: number): number {
  return LAT_MIN_MS * Math.pow(LAT_RATIO, bin + 0.5);
}

/** quantileOf reads quantile q from a histogram holding `count` values (null when empty). */
export function quantileOf(hist: Uint32Array, count: number, q: number): number | null {
  if (count === 0) return null;
  // Nearest rank: the value at rank ceil(q·n), counted from the smallest.
  const rank = Math.max(1, Math.ceil(q * count));
  let seen = 0;
  for (let b = 0; b < hist.length; b++) {
    seen += hist[b]!;
    if (seen >= rank) return binValue(b);
  }
  return binValue(hist.length - 1);
}

/** Series holds the run's buckets. */
export class Series {
  widthNs = BUCKET_NS;
  private ok: number[] = [];
  private failed: number[] = [];
  /** hist: each bucket's latency histogram, allocated on its first ok operation. */
  private hist: (Uint32Array | null)[] = [];

  /** length is the number of buckets (the run's duration in bucket widths, rounded up). */
  get length(): number {
    return this.ok.length;
  }

  /** add counts one completed operation at run time tNs: ok with its latency, or failed. */
  add(tNs: number, ok: boolean, latencyMs: number | null): void {
    const i = this.slot(tNs);
    if (!ok) {
      this.failed[i]!++;
      return;
    }
    this.ok[i]!++;
    let h = this.hist[i];
    if (!h) h = this.hist[i] = new Uint32Array(LAT_BINS);
    h[latencyBin(latencyMs ?? 0)]!++;
  }

  /** extend makes the series reach run time tNs (quiet seconds are buckets with nothing in them). */
  extend(tNs: number): void {
    this.slot(tNs);
  }

  /** slot returns the bucket index of tNs, growing (and coarsening) the series to hold it. */
  private slot(tNs: number): number {
    const t = Number.isFinite(tNs) && tNs > 0 ? tNs : 0;
    while (Math.floor(t / this.widthNs) >= MAX_BUCKETS) this.coarsen();
    const i = Math.floor(t / this.widthNs);
    while (this.ok.length <= i) {
      this.ok.push(0);
      this.failed.push(0);
      this.hist.push(null);
    }
    return i;
  }

  /** coarsen doubles the bucket width by merging neighbours (amortised O(1) per bucket ever made). */
  private coarsen(): void {
    const n = Math.ceil(this.ok.length / 2);
    const ok: number[] = [];
    const failed: number[] = [];
    const hist: (Uint32Array | null)[] = [];
    for (let j = 0; j < n; j++) {
      ok.push((this.ok[2 * j] ?? 0) + (this.ok[2 * j + 1] ?? 0));
      failed.push((this.failed[2 * j] ?? 0) + (this.failed[2 * j + 1] ?? 0));
      hist.push(mergeHist(this.hist[2 * j] ?? null, this.hist[2 * j + 1] ?? null));
    }
    this.ok = ok;
    this.failed = failed;
    this.hist = hist;
    this.widthNs *= 2;
  }

  /** bucket returns bucket i as the charts read it. */
  bucket(i: number): Bucket | undefined {
    if (i < 0 || i >= this.ok.length) return undefined;
    const h = this.hist[i] ?? null;
    const ok = this.ok[i]!;
    return {
      t: i * this.widthNs,
      widthNs: this.widthNs,
      ok,
      failed: this.failed[i]!,
      p50: h ? quantileOf(h, ok, 0.5) : null,
      p99: h ? quantileOf(h, ok, 0.99) : null,
    };
  }

  /**
   * window returns the buckets covering [fromNs, toNs), merged `per` at a time so that at most
   * `maxColumns` come back (a chart of the whole run reads a few hundred columns, not every second).
   */
  window(fromNs: number, toNs: number, maxColumns = 240): Bucket[] {
    const first = Math.max(0, Math.floor(fromNs / this.widthNs));
    const end = Math.max(first, Math.ceil(toNs / this.widthNs));
    const per = Math.max(1, Math.ceil((end - first) / maxColumns));
    const out: Bucket[] = [];
    for (let s = first; s < end; s += per) out.push(this.merged(s, Math.min(end, s + per)));
    return out;
  }

  /** merged sums buckets [a, b) into one column (buckets past the run's end count as empty). */
  private merged(a: number, b: number): Bucket {
    if (b - a === 1 && a < this.ok.length) return this.bucket(a)!;
    let ok = 0;
    let failed = 0;
    let h: Uint32Array | null = null;
    for (let i = a; i < Math.min(b, this.ok.length); i++) {
      ok += this.ok[i]!;
      failed += this.failed[i]!;
      const x = this.hist[i];
      if (!x) continue;
      h ??= new Uint32Array(LAT_BINS);
      for (let k = 0; k < LAT_BINS; k++) h[k]! += x[k]!;
    }
    return {
      t: a * this.widthNs,
      widthNs: (b - a) * this.widthNs,
      ok,
      failed,
      p50: h ? quantileOf(h, ok, 0.5) : null,
      p99: h ? quantileOf(h, ok, 0.99) : null,
    };
  }
}

/** mergeHist adds two histograms into a new one (null = empty). */
function mergeHist(a: Uint32Array | null, b: Uint32Array | null): Uint32Array | null {
  if (!a && !b) return null;
  const out = new Uint32Array(LAT_BINS);
  for (const h of [a, b]) if (h) for (let i = 0; i < LAT_BINS; i++) out[i]! += h[i]!;
  return out;
}
