/**
 * The packaged app, as far as it can be made without Electron's binary or a network:
 * `electron-vite build`, then the real electron-builder (`--dir`) with a stand-in for
 * Electron's runtime (a file carrying Electron's fuse sentinel, so the afterPack hook's
 * content check and fuse flip run on it). Then a real 3-node cluster whose nodes are the
 * packed app's own files — app.asar.unpacked/out/node/main.mjs loading better-sqlite3 from
 * app.asar.unpacked/node_modules — started exactly as the installed app starts them
 * (electron/node-runtime.ts: the runtime's binary with ELECTRON_RUN_AS_NODE=1, no tsx), on
 * this machine's Node and its better-sqlite3 build in place of Electron's: a leader, writes,
 * SIGKILL and restart on the same SQLite file, SIGSTOP and SIGCONT.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as fuses from '@electron/fuses';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chooseNodeRuntime, nodeSpawner } from '../../src-main/electron/node-runtime';
import { LabService } from '../../src-main/lab/lab-service';
import { checkPackedApp } from '../../scripts/check-package.mjs';
import { FAST, leaderOf, waitFor } from '../lab/helpers';

const ROOT = join(import.meta.dirname, '..', '..');
const work = mkdtempSync(join(tmpdir(), 'quorum-packed-'));
const out = join(work, 'release');
const resources = join(out, 'linux-unpacked', 'resources');
let lab: LabService | null = null;

afterAll(async () => {
  await lab?.stop();
  rmSync(work, { recursive: true, force: true });
});

/** run runs a command of the repository's tools and fails with its output if it fails. */
function run(args: string[], what: string): string {
  const r = spawnSync(process.execPath, args, { cwd: ROOT, encoding: 'utf8', timeout: 180_000 });
  if (r.status !== 0) throw new Error(`${what} failed (${r.status ?? r.signal}):\n${r.stdout}\n${r.stderr}`);
  return r.stdout + r.stderr;
}

/** standInElectron makes a folder electron-builder accepts as Electron's runtime: a binary with the fuse wire, a version. */
function standInElectron(): string {
  const dist = join(work, 'electron-dist');
  mkdirSync(dist, { recursive: true });
  // Electron's default wire: RunAsNode 1, cookies 0, NODE_OPTIONS 1, --inspect 1, asar integrity 0, only-asar 0, snapshot 0, file 1.
  const wire = Buffer.from([1, 8, ...Buffer.from('10110001')]);
  const bin = join(dist, 'electron');
  writeFileSync(bin, Buffer.concat([Buffer.from('stand-in '), Buffer.from('dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX'), wire]));
  chmodSync(bin, 0o755);
  const version = (
    JSON.parse(readFileSync(join(ROOT, 'node_modules', 'electron', 'package.json'), 'utf8')) as {
      version: string;
    }
  ).version;
  writeFileSync(join(dist, 'version'), version);
  writeFileSync(join(dist, 'LICENSE'), '');
  return dist;
}

describe.runIf(process.platform === 'linux')('the packed app (electron-builder --dir, Electron stood in)', () => {
  let log = '';
  beforeAll(() => {
    run(
      [join(ROOT, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js'), 'build', '--logLevel', 'warn'],
      'electron-vite build',
    );
    const dist = standInElectron();
    log = run(
      [
        join(ROOT, 'node_modules', 'electron-builder', 'cli.js'),
        '--dir',
        '--linux',
        '--publish',
        'never',
        `-c.electronDist=${dist}`,
        `-c.directories.output=${out}`,
      ],
      'electron-builder --dir',
    );
  }, 240_000);

  it('holds the node bundle and SQLite unpacked, no sources or tsx, and has its fuses flipped', async () => {
    expect(log).toContain('packed files checked; fuses flipped');
    expect(checkPackedApp(resources)).toEqual([]);
    const wire = (await fuses.getCurrentFuseWire(join(out, 'linux-unpacked', 'quorum-lab'))) as unknown as Record<
      number,
      number
    >;
    const on = (f: number): boolean => wire[f] === 0x31;
    expect(on(fuses.FuseV1Options.RunAsNode)).toBe(true);
    expect(on(fuses.FuseV1Options.EnableNodeOptionsEnvironmentVariable)).toBe(false);
    expect(on(fuses.FuseV1Options.EnableNodeCliInspectArguments)).toBe(false);
    expect(on(fuses.FuseV1Options.OnlyLoadAppFromAsar)).toBe(true);
  });

  it('runs a cluster on the packed node files, started the way the installed app starts them', async () => {
    const appRoot = join(resources, 'app.asar');
    // The installed app: its own binary as Node. Here this Node stands in for that binary.
    const runtime = chooseNodeRuntime({
      packaged: true,
      pathEnv: '',
      electronExecPath: process.execPath,
      electronBinding: '/none',
    });
    expect(runtime.env).toEqual({ ELECTRON_RUN_AS_NODE: '1' });
    const dataDir = join(work, 'data');
    lab = new LabService({ dataDir, settings: FAST, spawnNode: nodeSpawner(runtime, appRoot) });
    await lab.start();
    const bundle = join(resources, 'app.asar.unpacked', 'out', 'node', 'main.mjs');
    for (const pid of lab.nodePids()) {
      const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      expect(argv[1]).toBe(bundle);
      expect(argv.join(' ')).not.toMatch(/tsx|\.ts\b/);
      expect(readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0')).toContain('ELECTRON_RUN_AS_NODE=1');
    }
    const leader = await waitFor(async () => leaderOf(await lab!.cluster()), 20_000, 'a leader');
    expect((await lab.kv({ op: 'put', key: 'shipped', value: 'yes' })).outcome).toBe('ok');

    // SIGKILL the leader, write through the others, restart it on its own SQLite file.
    await lab.crash(leader);
    await waitFor(async () => leaderOf(await lab!.cluster()), 20_000, 'a new leader');
    expect((await lab.kv({ op: 'put', key: 'after', value: 'crash' })).outcome).toBe('ok');
    await lab.restart(leader);
    expect(existsSync(join(lab.runDir!, `${leader}.sqlite`))).toBe(true);

    // SIGSTOP one node: the others go on; SIGCONT it and it catches up.
    const view = await lab.cluster();
    const now = leaderOf(view);
    const paused = view.nodes.find((n) => n.id !== now)!;
    await lab.pause(paused.id);
    // State T: stopped by SIGSTOP (delivered asynchronously).
    const state = (): string => /^\d+ \(.*\) (\S) /.exec(readFileSync(`/proc/${paused.pid}/stat`, 'utf8'))?.[1] ?? '';
    await waitFor(async () => state() === 'T', 5000, `${paused.id} stopped`);
    expect((await lab.kv({ op: 'put', key: 'while', value: 'paused' })).outcome).toBe('ok');
    await lab.resume(paused.id);
    // Every acknowledged write reads back (a read during an election is asked again, as a user would).
    for (const [key, value] of [
      ['shipped', 'yes'],
      ['after', 'crash'],
      ['while', 'paused'],
    ] as const) {
      const got = await waitFor(
        async () => {
          const r = await lab!.kv({ op: 'get', key });
          return r.outcome === 'ok' ? r : null;
        },
        20_000,
        `get ${key}`,
      );
      expect(got.value).toBe(value);
    }
  });
});
