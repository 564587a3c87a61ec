import { describe, expect, it } from 'vitest';
import { encodeCommand } from '../../../src-main/core/kv/codec';
import { ADMIN_KEY, CONFIG_KEY } from '../../../src-main/core/shard/admin';
import { ControllerMachine } from '../../../src-main/core/shard/controller-machine';

describe('ControllerMachine: the controller group’s log applied', () => {
  it('applies join and move written to the admin key and serves the configuration by ReadIndex key', () => {
    const m = new ControllerMachine({ kind: 'range', shards: 4 });
    let i = 0;
    const put = (value: string) =>
      m.apply(++i, encodeCommand({ client: '', seq: 0, now: 0, cmd: { op: 'put', key: ADMIN_KEY, value } }));
    const joined = put(JSON.stringify({ op: 'join', groups: { g1: ['g1n1'], g2: ['g2n1'] } }));
    expect(joined.ok).toBe(true);
    expect(JSON.parse(joined.value ?? '').shards).toEqual(['g1', 'g1', 'g2', 'g2']);
    expect(put(JSON.stringify({ op: 'move', shard: 0, group: 'g3' }))).toEqual({
      ok: false,
      error: 'controller-refused',
      value: 'g3 has not joined',
    });
    expect(put('{"op":"move","shard":0,"group":"g2"}').ok).toBe(true);
    expect(JSON.parse(m.get(CONFIG_KEY) ?? '').shards).toEqual(['g2', 'g1', 'g2', 'g2']);
    expect(JSON.parse(m.get(`${CONFIG_KEY}/1`) ?? '').shards).toEqual(['g1', 'g1', 'g2', 'g2']);
    expect(put('{"op":"drop"}')).toMatchObject({ ok: false, error: 'bad-command' });
    expect(
      m.apply(++i, encodeCommand({ client: '', seq: 0, now: 0, cmd: { op: 'put', key: 'k', value: 'v' } })),
    ).toMatchObject({
      ok: false,
      error: 'bad-command',
    });
    const copy = new ControllerMachine({ kind: 'range', shards: 4 });
    copy.restore(m.snapshot(), m.appliedIndex);
    expect(copy.get(CONFIG_KEY)).toBe(m.get(CONFIG_KEY));
    expect(copy.appliedIndex).toBe(i);
    expect(() => copy.restore('{"v":1,"appliedIndex":1,"configs":[]}')).toThrow(/bad controller snapshot/);
  });
});
