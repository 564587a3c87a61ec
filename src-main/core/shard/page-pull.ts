/**
 * PagePuller is the paged transfer of a shard, as both the lab (lab/shard-pull.ts, over
 * real gateways and the router) and the simulator (sim/shard/shard-layer.ts, over
 * simulated groups and network) run it: for part p = first, first+1, …, read page p of the
 * frozen export from the source group, carry it from the source's leader to the
 * destination's, propose it to the destination as part p; the last part installs the
 * shard (core/shard/group.ts). Only the I/O differs between the two, so the simulator's
 * sweeps cover the lab's rules: a part proposed twice (a lost answer, a new leader) is a
 * repeat the destination ignores, and a pull cut short is started again by the
 * coordinator's next pass from the part the destination's status shows — or from the part
 * after the last one the destination acknowledged, when its status lags.
 *
 * Pure: no clock, no randomness; the I/O it is given does both.
 */
import type { GroupCommand } from './admin';
import type { ExportPage } from './pages';

/** PullTask is one shard on its way: from group `from` to group `group`, frozen at `config`. */
export interface PullTask {
  group: string;
  shard: number;
  config: number;
  from: string;
}

/** PullStep is one step's result: its value, or a stop (`restart`: the next pull starts from the destination's status, not from where this one got). */
export type PullStep<T> = { ok: true; value: T } | { ok: false; restart?: boolean };

/** PartCommand is the command that proposes one page as a part. */
export type PartCommand = Extract<GroupCommand, { a: 'part' }>;

/** PullIo is how a pull reaches the groups; each step that stops says why itself (the lab's stall line). */
export interface PullIo {
  /** read reads page `part` of the task's frozen export from the source group. */
  read(t: PullTask, part: number): Promise<PullStep<ExportPage>>;
  /** carry takes the page from the source's leader to the destination's; false: it did not get through. */
  carry(t: PullTask, part: number, page: ExportPage): Promise<boolean>;
  /** propose proposes the part to the destination; its value is the destination's answer ('installed', 'part 2 of 5', …). */
  propose(t: PullTask, cmd: PartCommand): Promise<PullStep<string>>;
  /** took: the destination took part `part` (`answer`: what it said). */
  took(t: PullTask, part: number, page: ExportPage, answer: string): void;
  /** installed: the destination installed the shard (said once per move). */
  installed(t: PullTask, pages: number): void;
}

/** isInstalledAnswer tells whether a destination's answer to a part says the shard is in place. */
export function isInstalledAnswer(answer: string): boolean {
  return answer === 'installed' || answer === 'already installed';
}

/** PagePuller runs the pulls, one per shard and configuration at a time (see the file comment). */
export class PagePuller {
  private readonly running = new Set<string>();
  /** resumeAt: the part after the last one the destination acknowledged, per pull (its status may lag). */
  private readonly resumeAt = new Map<string, number>();
  /** done: the moves whose install has been said (bounded: one per shard and configuration). */
  private readonly done = new Set<string>();

  constructor(
    private readonly io: PullIo,
    private readonly closed: () => boolean,
  ) {}

  /** start pulls `t` from part `held` on (what the destination's status shows), unless a pull of it runs; returns the part it starts from, or null. */
  start(t: PullTask, held: number): number | null {
    const key = `${t.shard}/${t.config}`;
    if (this.running.has(key)) return null;
    this.running.add(key);
    const from = Math.max(held, this.resumeAt.get(key) ?? 0);
    void this.pull(t, key, from).finally(() => this.running.delete(key));
    return from;
  }

  private async pull(t: PullTask, key: string, first: number): Promise<void> {
    for (let part = first; !this.closed(); part++) {
      const read = await this.io.read(t, part);
      if (!read.ok) {
        if (read.restart) this.resumeAt.delete(key);
        return;
      }
      const page = read.value;
      if (!(await this.io.carry(t, part, page))) return;
      const cmd: PartCommand = { a: 'part', shard: t.shard, config: t.config, part, ...page };
      const r = await this.io.propose(t, cmd);
      if (!r.ok) {
        if (r.restart) this.resumeAt.delete(key);
        return;
      }
      this.resumeAt.set(key, part + 1);
      this.io.took(t, part, page, r.value);
      if (isInstalledAnswer(r.value) || part + 1 >= page.pages) {
        this.resumeAt.delete(key);
        // Said once per move, also when the answer to the last part was lost and a resent part found it installed.
        if (isInstalledAnswer(r.value) && !this.done.has(key)) {
          this.done.add(key);
          this.io.installed(t, page.pages);
        }
        return;
      }
    }
  }
}
