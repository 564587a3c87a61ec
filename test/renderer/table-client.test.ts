/**
 * The renderer's one LabClient: the real client (either transport) and the stores' test
 * fake are the same TableClient built from the command table, so a command added to,
 * changed in or removed from the table changes all of them, and the fake checks every
 * argument with the lab's own validators.
 */
import { createPinia, setActivePinia } from 'pinia';
import { afterEach, describe, expect, it } from 'vitest';
import { COMMAND_NAMES, decodeArgs } from '../../src-main/api/commands';
import { createLabClient } from '../../src-renderer/src/api';
import { HttpTransport } from '../../src-renderer/src/api/http-transport';
import { LabError, setLabClient } from '../../src-renderer/src/api/lab-client';
import { TableClient } from '../../src-renderer/src/api/table-client';
import { useUiStore } from '../../src-renderer/src/stores/ui';
import { FakeLabClient } from './fake-client';

/** commandsOf lists the command methods an object carries. */
const commandsOf = (c: object): string[] =>
  Object.keys(c)
    .filter((k) => typeof (c as Record<string, unknown>)[k] === 'function')
    .sort();

describe('TableClient', () => {
  it('the real client and the fake are built from the same table: one method per command', () => {
    const real = createLabClient();
    const overHttp = new TableClient(new HttpTransport({ base: 'http://127.0.0.1:1' }));
    const fake = new FakeLabClient(3);
    for (const c of [real, overHttp, fake]) {
      expect(c).toBeInstanceOf(TableClient);
      expect(commandsOf(c)).toEqual([...COMMAND_NAMES].sort());
    }
    expect(real.transport).toBe('http');
  });

  it('the fake refuses what the lab refuses, with the validator’s own message, and records the call', async () => {
    const fake = new FakeLabClient(3);
    const expected = decodeArgs('crash', { id: '../etc' });
    expect(expected.ok).toBe(false);
    const err = await fake.crash('../etc').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LabError);
    expect(err).toMatchObject({ message: expected.ok ? '' : expected.error, status: 400 });
    await expect(fake.setLink({ from: 'n1', to: 'n1' })).rejects.toThrow('from and to must be different nodes');
    // A failed check leaves the cluster as it was; the calls show what was asked.
    expect((await fake.cluster()).nodes.every((n) => n.status === 'up')).toBe(true);
    expect(fake.calls.map((c) => c.method)).toEqual(['crash', 'setLink', 'cluster']);
    expect(fake.calls[0]).toEqual({ method: 'crash', args: [{ id: '../etc' }] });
  });

  it('the fake answers through JSON, as the lab does over HTTP: callers never share its state', async () => {
    const fake = new FakeLabClient(3);
    const v = await fake.cluster();
    v.nodes[0]!.status = 'down';
    expect((await fake.cluster()).nodes[0]!.status).toBe('up');
    const groups = [['n1'], ['n2', 'n3']];
    await fake.partition(groups);
    groups[0]!.push('n9');
    expect(fake.view.groups).toEqual([['n1'], ['n2', 'n3']]);
  });

  it('an error an HTTP transport cannot reach says the lab is unreachable', async () => {
    const c = new TableClient(new HttpTransport({ base: 'http://127.0.0.1:1' }));
    await expect(c.cluster()).rejects.toThrow(/the lab is unreachable/);
  });
});

describe('version in the header', () => {
  afterEach(() => setLabClient(null));

  it('the header’s tooltip names the lab’s version and runtime, as the lab reports them', async () => {
    setActivePinia(createPinia());
    const fake = new FakeLabClient(3);
    setLabClient(fake);
    const ui = useUiStore();
    expect(ui.about).toBeNull();
    await ui.loadAbout();
    expect(ui.about).toBe('Quorum Lab 0.1.0-fake · Node 20.0.0 · raft, paxos');
    expect(fake.calls.at(-1)).toEqual({ method: 'version', args: [] });
    // No answer, no guess.
    fake.failNext = 'the lab is unreachable';
    await ui.loadAbout();
    expect(ui.about).toBeNull();
  });
});
