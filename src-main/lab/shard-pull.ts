/**
 * ShardPuller moves one shard's data from the group that froze it to the group that is
 * pulling it, a page at a time (core/shard/pages.ts), so a shard of any size moves within
 * the bounds of one KV value: read page p of the frozen export from the source (a
 * linearizable read), carry it over the router from the source's leader to the
 * destination's (router.carry: cuts, loss, latency and the link's rate limit apply, the
 * run log and the Messages diagram show it), propose it to the destination as part p.
 *
 * The loop and its resume rules are core/shard/page-pull.ts, which the simulator runs
 * too; this file is its I/O over the lab's gateways and router, and the stall lines the
 * shard map shows. It decides nothing: which pages the destination holds is in the
 * destination's log, the pages are a function of the frozen shard alone, and a part
 * proposed twice is a repeat the destination ignores. So a pull cut short by a crash of
 * either leader, a partition or a lost answer is simply started again by the
 * coordinator's next pass, from the part the destination's status shows. A pull runs in
 * the background (one per shard and configuration), so a big shard on a slow link never
 * holds up the coordinator.
 */
import { ADMIN_KEY, exportPageKey } from '../core/shard/admin';
import { PagePuller, type PartCommand, type PullStep, type PullTask } from '../core/shard/page-pull';
import { decodeExportPage, type ExportPage } from '../core/shard/pages';
import type { NodeId } from '../core/types';
import type { Gateway } from './gateway';
import type { Recorder } from './recorder';
import type { Router } from './router';

export type { PullTask } from '../core/shard/page-pull';

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

/** ShardPuller runs the background pulls (see the file comment). */
export class ShardPuller {
  /** stalled: why the last attempt to move a shard's next page did not get through, by shard. */
  readonly stalled = new Map<number, string>();
  private readonly pages: PagePuller;

  constructor(private readonly d: PullDeps) {
    this.pages = new PagePuller(
      {
        read: (t, part) => this.readPage(t, part),
        carry: (t, part, page) => this.carry(t, part, page),
        propose: (t, cmd) => this.propose(t, cmd),
        took: (t, part, page, answer) => this.took(t, part, page, answer),
        installed: (t, pages) =>
          this.d.recorder.record('shard-installed', {
            shard: t.shard,
            config: t.config,
            from: t.from,
            to: t.group,
            pages,
          }),
      },
      () => this.d.closed(),
    );
  }

  /** start pulls `t` from part `held` on (what the destination's status shows), unless a pull of it runs. */
  start(t: PullTask, held: number): void {
    this.pages.start(t, held);
  }

  private stall(t: PullTask, why: string): void {
    if (this.stalled.get(t.shard) === why) return;
    this.stalled.set(t.shard, why);
    this.d.changed();
  }

  private async carry(t: PullTask, part: number, page: ExportPage): Promise<boolean> {
    const fromNode = this.d.leaderOf(t.from);
    const toNode = this.d.leaderOf(t.group);
    if (fromNode === null || toNode === null) {
      this.stall(t, `no leader in ${fromNode === null ? t.from : t.group} to carry it`);
      return false;
    }
    const type = `ShardData s${t.shard} c${t.config} p${part + 1}/${page.pages}`;
    const carried = await this.d.router.carry(fromNode, toNode, type, Buffer.from(page.data));
    if (!carried.ok)
      this.stall(t, `page ${part + 1} of ${page.pages} dropped on ${fromNode} → ${toNode}: ${carried.reason}`);
    return carried.ok;
  }

  private async propose(t: PullTask, cmd: PartCommand): Promise<PullStep<string>> {
    const r = await this.d
      .gateway(t.group)
      ?.request({ op: 'put', key: ADMIN_KEY, value: JSON.stringify(cmd) }, PULL_TIMEOUT_MS);
    if (r && r.outcome === 'ok') return { ok: true, value: r.result?.value ?? '' };
    const why = r?.result?.value ?? r?.error ?? r?.outcome ?? 'no gateway';
    this.stall(t, `${t.group} did not take page ${cmd.part + 1}: ${why}`);
    // A refusal names the part the destination wants: its status will say so on the next pass.
    return { ok: false, restart: r?.result?.error === 'shard-stale' };
  }

  private took(t: PullTask, part: number, page: ExportPage, answer: string): void {
    this.stalled.delete(t.shard);
    // A part the destination already held (its answer was lost before) is not news.
    if (!answer.endsWith('already held'))
      this.d.recorder.record('shard-part', {
        ...t,
        to: t.group,
        part,
        pages: page.pages,
        bytes: Buffer.byteLength(page.data),
      });
    this.d.changed();
  }

  /** readPage reads page `part` of the frozen export from the source group (a stop: not there now; the stall says why). */
  private async readPage(t: PullTask, part: number): Promise<PullStep<ExportPage>> {
    const src = this.d.gateway(t.from);
    if (!src) return { ok: false };
    const r = await src.request({ op: 'get', key: exportPageKey(t.shard, t.config, part) }, PULL_TIMEOUT_MS);
    const text = r.outcome === 'ok' ? (r.result?.value ?? null) : null;
    if (text === null) {
      this.stall(
        t,
        r.outcome === 'ok'
          ? `waiting for ${t.from} to freeze it`
          : `${t.from} did not answer the read of page ${part + 1}: ${r.error ?? r.outcome}`,
      );
      // Past the last page (the destination's status lagged): start again from what it shows.
      return { ok: false, restart: r.outcome === 'ok' && part > 0 };
    }
    const page = decodeExportPage(text);
    if (typeof page === 'string') {
      this.stall(t, `${t.from} answered a malformed page: ${page}`);
      return { ok: false };
    }
    return { ok: true, value: page };
  }
}
