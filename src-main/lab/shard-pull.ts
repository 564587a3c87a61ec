/**
 * ShardPuller moves one shard's data from the group that froze it to the group that is
 * pulling it, a page at a time (core/shard/pages.ts), so a shard of any size moves within
 * the bounds of one KV value: read page p of the frozen export from the source (a
 * linearizable read), carry it over the router from the source's leader to the
 * destination's (router.carry: cuts, loss, latency and the link's rate limit apply, the
 * run log and the Messages diagram show it), propose it to the destination as part p.
 *
 * It decides nothing: which pages the destination holds is in the destination's log, the
 * pages are a function of the frozen shard alone, and a part proposed twice is a repeat
 * the destination ignores. So a pull cut short by a crash of either leader, a partition or
 * a lost answer is simply started again by the coordinator's next pass, from the part the
 * destination's status shows. A pull runs in the background (one per shard and
 * configuration), so a big shard on a slow link never holds up the coordinator.
 */
import { ADMIN_KEY, exportPageKey, type GroupCommand } from '../core/shard/admin';
import { decodeExportPage, type ExportPage } from '../core/shard/pages';
import type { NodeId } from '../core/types';
import type { Gateway } from './gateway';
import type { Recorder } from './recorder';
import type { Router } from './router';

/** PULL_TIMEOUT_MS bounds one read of a page and one proposal of a part. */
const PULL_TIMEOUT_MS = 3000;

/** PullDeps is what a pull needs from the shard lab. */
export interface PullDeps {
  router: Router;
  recorder: Recorder;
  gateway(group: string): Gateway | undefined;
  leaderOf(group: string): NodeId | null;
  closed(): boolean;
  /** changed: a pull made progress or stalled (the shard map shows both). */
  changed(): void;
}

/** PullTask is one shard on its way: from `from` to `group`, frozen at `config`. */
export interface PullTask {
  group: string;
  shard: number;
  config: number;
  from: string;
}

/** ShardPuller runs the background pulls (see the file comment). */
export class ShardPuller {
  private readonly running = new Set<string>();
  /** resumeAt: the part after the last one the destination acknowledged, per pull (its status may lag). */
  private readonly resumeAt = new Map<string, number>();
  /** installed: the moves whose install has been recorded (bounded: one per shard and configuration). */
  private readonly installed = new Set<string>();
  /** stalled: why the last attempt to move a shard's next page did not get through, by shard. */
  readonly stalled = new Map<number, string>();

  constructor(private readonly d: PullDeps) {}

  /** start pulls `t` from part `held` on (what the destination's status shows), unless a pull of it runs. */
  start(t: PullTask, held: number): void {
    const key = `${t.shard}/${t.config}`;
    if (this.running.has(key)) return;
    this.running.add(key);
    const from = Math.max(held, this.resumeAt.get(key) ?? 0);
    void this.pull(t, key, from).finally(() => this.running.delete(key));
  }

  private stall(t: PullTask, why: string): void {
    if (this.stalled.get(t.shard) === why) return;
    this.stalled.set(t.shard, why);
    this.d.changed();
  }

  private async pull(t: PullTask, key: string, first: number): Promise<void> {
    for (let part = first; !this.d.closed(); part++) {
      const page = await this.readPage(t, part);
      if (!page) return;
      const fromNode = this.d.leaderOf(t.from);
      const toNode = this.d.leaderOf(t.group);
      if (fromNode === null || toNode === null)
        return this.stall(t, `no leader in ${fromNode === null ? t.from : t.group} to carry it`);
      const type = `ShardData s${t.shard} c${t.config} p${part + 1}/${page.pages}`;
      const carried = await this.d.router.carry(fromNode, toNode, type, Buffer.from(page.data));
      if (!carried.ok)
        return this.stall(t, `page ${part + 1} of ${page.pages} dropped on ${fromNode} → ${toNode}: ${carried.reason}`);
      const cmd: GroupCommand = { a: 'part', shard: t.shard, config: t.config, part, ...page };
      const r = await this.d
        .gateway(t.group)
        ?.request({ op: 'put', key: ADMIN_KEY, value: JSON.stringify(cmd) }, PULL_TIMEOUT_MS);
      if (!r || r.outcome !== 'ok') {
        // A refusal names the part the destination wants: its status will say so on the next pass.
        if (r?.result?.error === 'shard-stale') this.resumeAt.delete(key);
        return this.stall(
          t,
          `${t.group} did not take page ${part + 1}: ${r?.result?.value ?? r?.error ?? r?.outcome ?? 'no gateway'}`,
        );
      }
      this.resumeAt.set(key, part + 1);
      this.stalled.delete(t.shard);
      const bytes = Buffer.byteLength(page.data);
      const done = r.result?.value;
      // A part the destination already held (its answer was lost before) is not news.
      if (!done?.endsWith('already held'))
        this.d.recorder.record('shard-part', { ...t, to: t.group, part, pages: page.pages, bytes });
      this.d.changed();
      if (done === 'installed' || done === 'already installed' || part + 1 >= page.pages) {
        this.resumeAt.delete(key);
        // Said once per move, also when the answer to the last part was lost and a resent part found it installed.
        if ((done === 'installed' || done === 'already installed') && !this.installed.has(key)) {
          this.installed.add(key);
          this.d.recorder.record('shard-installed', {
            shard: t.shard,
            config: t.config,
            from: t.from,
            to: t.group,
            pages: page.pages,
          });
        }
        return;
      }
    }
  }

  /** readPage reads page `part` of the frozen export from the source group (null: not there now; the stall says why). */
  private async readPage(t: PullTask, part: number): Promise<ExportPage | null> {
    const src = this.d.gateway(t.from);
    if (!src) return null;
    const r = await src.request({ op: 'get', key: exportPageKey(t.shard, t.config, part) }, PULL_TIMEOUT_MS);
    const text = r.outcome === 'ok' ? (r.result?.value ?? null) : null;
    if (text === null) {
      // Past the last page (the destination's status lagged): start again from what it shows.
      if (r.outcome === 'ok' && part > 0) this.resumeAt.delete(`${t.shard}/${t.config}`);
      this.stall(
        t,
        r.outcome === 'ok'
          ? `waiting for ${t.from} to freeze it`
          : `${t.from} did not answer the read of page ${part + 1}: ${r.error ?? r.outcome}`,
      );
      return null;
    }
    const page = decodeExportPage(text);
    if (typeof page === 'string') {
      this.stall(t, `${t.from} answered a malformed page: ${page}`);
      return null;
    }
    return page;
  }
}
