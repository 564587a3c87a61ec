/**
 * ShardGroupMachine is the replicated state machine of one replica group in a sharded
 * cluster: a KvStateMachine per shard the group holds, and the rules of moving shards
 * (after the MIT 6.5840 sharded KV server). Every rule runs at apply time, in log order,
 * so every replica of the group decides alike:
 *
 * - A key is served only if its shard is `serving` here in the group's current
 *   configuration; otherwise the answer is `wrong-group` (certainly not applied, and the
 *   client's session is not touched, so the retry at the right group is not a duplicate).
 * - The group takes configurations one at a time (num + 1), and only once it is settled:
 *   no shard still `pulling` or `frozen`. Taking one freezes every shard it loses (kept,
 *   not served, readable as an export for the group that gains it) and marks every shard
 *   it gains `pulling` — or `serving` at once, empty, if nobody held it before.
 * - `install` puts a pulled shard's data in place together with its client-session table,
 *   so a request that was applied by the old group and retried at the new one gets the
 *   cached answer instead of applying twice. `gc` drops a frozen shard once the new group
 *   confirms it installed it. Both are idempotent: a repeated one answers ok and changes
 *   nothing.
 * - A shard's data arrives in `part`s (core/shard/pages.ts): pages of the frozen shard's
 *   export, in order, each a command of this group's log, held in the pulling slot until
 *   the last one installs the whole. A part already held is a repeat and changes nothing,
 *   so the lab may resend any of them after a crash of either group's leader.
 *
 * Sessions are per shard (each shard has its own KvStateMachine), so they move with it.
 */
import { KvStateMachine, type KvStateMachineOptions } from '../kv/state-machine';
import { decodeCommand } from '../kv/codec';
import { parseState, serializeState } from '../kv/snapshot';
import type { KvResult, LockInfo } from '../kv/types';
import {
  array,
  fail,
  int,
  isRecord,
  nullable,
  oneOf,
  optional,
  parseJsonBounded,
  record,
  str,
  valueOrError,
} from '../validate';
import { ADMIN_KEY, STATUS_KEY, decodeGroupCommand, isReservedKey, parseExportKey, type GroupCommand } from './admin';
import { groupId, shardConfig, shardOf, type ShardConfig } from './config';
import type { ReplicatedKv } from './machine';
import { MAX_PAGES, MAX_PAGE_BYTES, exportPage, pageStarts, takePart, type Parts } from './pages';

/** ShardGroupOptions are the shards' KV options and `partChars`, the length of an export page (tests cut small pages). */
export type ShardGroupOptions = KvStateMachineOptions & { partChars?: number };

/** ShardStatus is where a shard held by a group stands. */
export type ShardStatus = 'serving' | 'pulling' | 'frozen';

/** ShardSlot is one shard a group holds: `config` is the configuration that gave it this status. */
interface ShardSlot {
  status: ShardStatus;
  config: number;
  /** from: for a pulling shard, the group that held it. */
  from?: string;
  /** parts: for a pulling shard, the pages of its data taken so far. */
  parts?: Parts;
  kv: KvStateMachine;
  /** exported: a frozen shard's export and its page cuts, made on the first read (derived, never in a snapshot). */
  exported?: { text: string; starts: number[] };
}

/** GroupShardStatus is what STATUS_KEY reads: the group's configuration number and its shards. */
export interface GroupShardStatus {
  group: string;
  config: number;
  /** parts/pages: of a pulling shard whose data has started to arrive. */
  shards: {
    shard: number;
    status: ShardStatus;
    config: number;
    from?: string;
    keys: number;
    parts?: number;
    pages?: number;
  }[];
}

const ok = (): KvResult => ({ ok: true, value: null });
const refuse = (error: 'shard-busy' | 'shard-stale' | 'bad-command', why: string): KvResult => ({
  ok: false,
  error,
  value: why,
});

/** ShardGroupMachine is one replica group's shard layer (see the file comment). */
export class ShardGroupMachine implements ReplicatedKv {
  private cfg: ShardConfig | null = null;
  private applied = 0;
  private slots = new Map<number, ShardSlot>();

  constructor(
    readonly group: string,
    private readonly kvOpts: ShardGroupOptions = {},
  ) {}

  /** appliedIndex is the index of the last entry applied, skipped or restored. */
  get appliedIndex(): number {
    return this.applied;
  }

  /** configNum is the number of the configuration the group is at (0 before its first). */
  get configNum(): number {
    return this.cfg?.num ?? 0;
  }

  /** apply applies the entry at `index`: a KV command for one shard, or a shard command. */
  apply(index: number, data: string): KvResult {
    if (!Number.isSafeInteger(index) || index <= this.applied)
      throw new RangeError(`entry ${index} applied out of order (appliedIndex ${this.applied})`);
    this.applied = index;
    const c = decodeCommand(data);
    if (typeof c === 'string') return { ok: false, error: 'bad-command' };
    const op = c.cmd;
    if (op.op === 'put' && op.key === ADMIN_KEY) {
      const g = decodeGroupCommand(op.value);
      return typeof g === 'string' ? refuse('bad-command', g) : this.admin(index, g);
    }
    const key = 'key' in op ? op.key : op.name;
    if (isReservedKey(key)) return refuse('bad-command', 'reserved key');
    const slot = this.servingSlot(key);
    if (!slot) return { ok: false, error: 'wrong-group' };
    return slot.kv.apply(index, data);
  }

  private servingSlot(key: string): ShardSlot | null {
    if (!this.cfg) return null;
    const slot = this.slots.get(shardOf(this.cfg.scheme, key));
    return slot && slot.status === 'serving' ? slot : null;
  }

  private admin(index: number, g: GroupCommand): KvResult {
    switch (g.a) {
      case 'config':
        return this.takeConfig(g.config);
      case 'install':
        return this.install(index, g.shard, g.config, g.data);
      case 'part':
        return this.part(index, g);
      case 'gc':
        return this.collect(g.shard, g.config);
      default: {
        const never: never = g;
        return refuse('bad-command', `unknown shard command ${String(never)}`);
      }
    }
  }

  private takeConfig(next: ShardConfig): KvResult {
    const cur = this.configNum;
    if (next.num <= cur) return ok(); // already taken: a retry
    if (next.num !== cur + 1) return refuse('shard-stale', `at configuration ${cur}, got ${next.num}`);
    if (this.cfg && JSON.stringify(this.cfg.scheme) !== JSON.stringify(next.scheme))
      return refuse('bad-command', 'a configuration cannot change the key scheme');
    const unsettled = [...this.slots].filter(([, s]) => s.status !== 'serving').map(([n]) => n);
    if (unsettled.length > 0) return refuse('shard-busy', `shards in flight: ${unsettled.join(', ')}`);
    const me = this.group;
    for (let s = 0; s < next.shards.length; s++) {
      const was = this.cfg ? (this.cfg.shards[s] ?? '') : '';
      const now = next.shards[s] ?? '';
      const slot = this.slots.get(s);
      if (was === me && now !== me && slot) {
        slot.status = 'frozen';
        slot.config = next.num;
      } else if (was !== me && now === me) {
        // Nobody held it: it starts empty here. Otherwise its data must come from `was`.
        this.slots.set(
          s,
          was === ''
            ? { status: 'serving', config: next.num, kv: new KvStateMachine(this.kvOpts) }
            : { status: 'pulling', config: next.num, from: was, kv: new KvStateMachine(this.kvOpts) },
        );
      }
    }
    this.cfg = next;
    return ok();
  }

  private part(index: number, g: Extract<GroupCommand, { a: 'part' }>): KvResult {
    const slot = this.slots.get(g.shard);
    if (!slot || slot.status !== 'pulling' || slot.config !== g.config) {
      // Not waiting for it: installed already (a part resent after the last one) or stale.
      const r = this.install(index, g.shard, g.config, '');
      return r.ok ? { ok: true, value: 'already installed' } : r;
    }
    const v = takePart(slot.parts ?? null, { page: g.part, pages: g.pages, hash: g.hash, data: g.data });
    switch (v.kind) {
      case 'repeat':
        return { ok: true, value: `part ${g.part} already held` };
      case 'kept':
        slot.parts = v.parts;
        return { ok: true, value: `part ${g.part + 1} of ${g.pages}` };
      case 'refused':
        if (v.parts) slot.parts = v.parts;
        else delete slot.parts;
        return refuse('shard-stale', v.why);
      case 'complete': {
        const r = this.install(index, g.shard, g.config, v.text);
        return r.ok ? { ok: true, value: 'installed' } : r;
      }
      default: {
        const never: never = v;
        return refuse('bad-command', `unknown part verdict ${String(never)}`);
      }
    }
  }

  private install(index: number, shard: number, config: number, data: string): KvResult {
    const slot = this.slots.get(shard);
    if (slot && slot.status === 'pulling' && slot.config === config) {
      const st = parseState(data);
      if (typeof st === 'string') return refuse('bad-command', `shard data: ${st}`);
      // The data comes from another group's log: renumber it into ours, and count every
      // session as fresh here, so neither the order check nor idle eviction misreads it.
      st.appliedIndex = index;
      for (const s of st.sessions.values()) s.lastIndex = index;
      const kv = new KvStateMachine(this.kvOpts);
      kv.restore(serializeState(st, false));
      this.slots.set(shard, { status: 'serving', config, kv });
      return ok();
    }
    // A repeated install (the shard already arrived, maybe moved on) changes nothing.
    if (config <= this.configNum && !(slot && slot.status === 'pulling')) return ok();
    return refuse('shard-stale', `shard ${shard} is not waiting for configuration ${config}`);
  }

  private collect(shard: number, config: number): KvResult {
    const slot = this.slots.get(shard);
    if (slot && slot.status === 'frozen' && slot.config === config) {
      this.slots.delete(shard);
      return ok();
    }
    if (config <= this.configNum && !(slot && slot.status === 'frozen' && slot.config < config)) return ok();
    return refuse('shard-stale', `shard ${shard} is not frozen at configuration ${config}`);
  }

  /** skipTo advances appliedIndex over entries that carry no command. */
  skipTo(index: number): void {
    if (!Number.isSafeInteger(index) || index <= this.applied)
      throw new RangeError(`entry ${index} skipped out of order (appliedIndex ${this.applied})`);
    this.applied = index;
  }

  /** get reads a key of a serving shard, a group status (STATUS_KEY) or a frozen shard's export. */
  get(key: string): string | null {
    if (key === STATUS_KEY) return JSON.stringify(this.status());
    const ex = parseExportKey(key);
    if (ex) {
      const slot = this.slots.get(ex.shard);
      if (!slot || slot.status !== 'frozen' || slot.config !== ex.config) return null;
      if (ex.page === undefined) return slot.kv.snapshot();
      // A frozen shard never changes until it is collected: cut its export once.
      const text = slot.exported?.text ?? slot.kv.snapshot();
      slot.exported ??= { text, starts: pageStarts(text, this.kvOpts.partChars) };
      const page = exportPage(text, slot.exported.starts, ex.page);
      return page ? JSON.stringify(page) : null;
    }
    return this.servingSlot(key)?.kv.get(key) ?? null;
  }

  /** readError says why a read of `key` cannot be served here (wrong-group), or null. */
  readError(key: string): string | null {
    if (isReservedKey(key)) return null;
    return this.servingSlot(key) ? null : 'wrong-group';
  }

  /** status is the group's configuration number and its shards. */
  status(): GroupShardStatus {
    const shards = [...this.slots]
      .sort((a, b) => a[0] - b[0])
      .map(([shard, s]) => ({
        shard,
        status: s.status,
        config: s.config,
        ...(s.from ? { from: s.from } : {}),
        keys: s.kv.size(),
        ...(s.parts ? { parts: s.parts.got.length, pages: s.parts.pages } : {}),
      }));
    return { group: this.group, config: this.configNum, shards };
  }

  /** size is the number of keys held (every shard, frozen ones too). */
  size(): number {
    let n = 0;
    for (const s of this.slots.values()) n += s.kv.size();
    return n;
  }

  /** locks lists the locks held in serving shards. */
  locks(): LockInfo[] {
    const out: LockInfo[] = [];
    for (const s of this.slots.values()) if (s.status === 'serving') out.push(...s.kv.locks());
    return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** snapshot serializes the group: configuration, applied index and every shard with its status. */
  snapshot(): string {
    const slots = [...this.slots]
      .sort((a, b) => a[0] - b[0])
      .map(([shard, s]) => ({
        shard,
        status: s.status,
        config: s.config,
        from: s.from ?? null,
        kv: s.kv.snapshot(),
        ...(s.parts ? { parts: s.parts } : {}),
      }));
    return JSON.stringify({ v: 1, group: this.group, appliedIndex: this.applied, config: this.cfg, slots });
  }

  /** restore replaces the state with a snapshot; throws (state untouched) if it is malformed or another group's. */
  restore(data: string, index?: number): void {
    const r = parseGroupSnapshot(data, this.kvOpts);
    if (typeof r === 'string') throw new Error(`bad shard-group snapshot: ${r}`);
    if (r.group !== this.group) throw new Error(`bad shard-group snapshot: it is ${r.group}'s, this is ${this.group}`);
    this.cfg = r.cfg;
    this.slots = r.slots;
    this.applied = index !== undefined && Number.isSafeInteger(index) && index > r.applied ? index : r.applied;
  }
}

/** parseGroupSnapshot reads a group snapshot; returns its parts or what is wrong. */
function parseGroupSnapshot(
  data: string,
  kvOpts: KvStateMachineOptions,
): { group: string; applied: number; cfg: ShardConfig | null; slots: Map<number, ShardSlot> } | string {
  const p = parseJsonBounded(data, { maxDepth: 8 });
  if (!p.ok) return p.error;
  if (!isRecord(p.value)) return 'not an object';
  const o = p.value;
  return valueOrError(() => {
    if (o.v !== 1) fail(`unknown version ${String(o.v)}`);
    const slots = new Map<number, ShardSlot>();
    const rows = array(o.slots, 'slots', { max: 1000 }, (x, path) => record(x, path));
    for (const r of rows) {
      const kv = new KvStateMachine(kvOpts);
      kv.restore(str(r.kv, 'slots.kv'));
      const from = optional(r.from, (v) => nullable(v, (w) => groupId(w, 'slots.from')));
      const parts = optional(r.parts, (v) => partsAt(v, 'slots.parts'));
      slots.set(int(r.shard, 'slots.shard', 0, 999), {
        status: oneOf(r.status, 'slots.status', ['serving', 'pulling', 'frozen'] as const),
        config: int(r.config, 'slots.config'),
        ...(from ? { from } : {}),
        ...(parts ? { parts } : {}),
        kv,
      });
    }
    return {
      group: groupId(o.group, 'group'),
      applied: int(o.appliedIndex, 'appliedIndex'),
      cfg: nullable(o.config, (v) => shardConfig(v, 'config')),
      slots,
    };
  });
}

/** partsAt checks a pulling slot's parts in a snapshot. */
function partsAt(x: unknown, path: string): Parts {
  const o = record(x, path);
  const pages = int(o.pages, `${path}.pages`, 1, MAX_PAGES);
  return {
    pages,
    hash: int(o.hash, `${path}.hash`, 0, 0xffff_ffff),
    got: array(o.got, `${path}.got`, { max: pages - 1 }, (v, p) => str(v, p, { max: MAX_PAGE_BYTES })),
  };
}
