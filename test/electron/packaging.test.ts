/**
 * Packaging without Electron's binary: the afterPack hook flips the right fuses on the
 * right file for each platform (a stand-in flipFuses records the call; the real
 * @electron/fuses flips a fake binary that carries Electron's fuse sentinel) and refuses a
 * package that is not what ships; the builder config packs the app into asar, unpacks
 * what node processes load as plain files (the node bundle, better-sqlite3), and leaves
 * the TypeScript sources and tsx out; the content check names what is wrong.
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import * as fuses from '@electron/fuses';
import { describe, expect, it } from 'vitest';
import afterPack, { fuseConfig, type PackContext } from '../../scripts/after-pack.mjs';
import { checkPackedApp } from '../../scripts/check-package.mjs';
import { unpackedRoot } from '../../src-main/electron/node-runtime';

const ROOT = join(import.meta.dirname, '..', '..');
const { FuseV1Options: F } = fuses;
const ARCH = { x64: 1, arm64: 3 };

/** packed lays out what electron-builder leaves in appOutDir (the content check is stood in for). */
function packed(platform: string, arch = ARCH.x64): PackContext & { dir: string } {
  const dir = mkdtempSync(join(tmpdir(), `quorum-pack-${platform}-`));
  const resources =
    platform === 'darwin' ? join(dir, 'Quorum Lab.app', 'Contents', 'Resources') : join(dir, 'resources');
  mkdirSync(resources, { recursive: true });
  return {
    dir,
    electronPlatformName: platform,
    appOutDir: dir,
    arch,
    packager: { appInfo: { productFilename: 'Quorum Lab' }, executableName: 'quorum-lab' },
  };
}

/** contentOk stands in for the packed-content check: nothing wrong. */
const contentOk = (): string[] => [];

/** stub stands in for @electron/fuses, recording what the hook flips. */
function stub(): { load: () => Promise<typeof fuses>; calls: [string, Record<string | number, unknown>][] } {
  const calls: [string, Record<string | number, unknown>][] = [];
  const flipFuses = (path: string, config: Record<string | number, unknown>): Promise<number> => {
    calls.push([path, config]);
    return Promise.resolve(1);
  };
  return { load: () => Promise.resolve({ ...fuses, flipFuses } as unknown as typeof fuses), calls };
}

describe('the afterPack hook', () => {
  it('turns off what lets the installed app run code it did not ship, on every platform', () => {
    for (const platform of ['linux', 'win32', 'darwin']) {
      const c = fuseConfig(fuses, { platform, arch: 'x64' });
      expect(c, platform).toMatchObject({
        version: fuses.FuseVersion.V1,
        // The nodes are the app's own binary run as Node: the installed app needs no Node.js.
        [F.RunAsNode]: true,
        [F.EnableCookieEncryption]: true,
        [F.EnableNodeOptionsEnvironmentVariable]: false,
        [F.EnableNodeCliInspectArguments]: false,
        [F.OnlyLoadAppFromAsar]: true,
        [F.LoadBrowserProcessSpecificV8Snapshot]: false,
        [F.GrantFileProtocolExtraPrivileges]: false,
      });
      // Electron validates the embedded asar hash on macOS and Windows only.
      expect(c[F.EnableEmbeddedAsarIntegrityValidation], platform).toBe(platform !== 'linux');
      expect(c.resetAdHocDarwinSignature).toBe(false);
    }
    expect(fuseConfig(fuses, { platform: 'darwin', arch: 'arm64' })).toMatchObject({
      resetAdHocDarwinSignature: true,
    });
  });

  it('refuses to flip anything when the packed files are not what ships', async () => {
    const s = stub();
    const ctx = packed('linux');
    await expect(afterPack(ctx, s.load, () => ['src-main/node/main.ts is packed'])).rejects.toThrow(
      /not what ships:\n {2}src-main\/node\/main\.ts is packed/,
    );
    expect(s.calls).toEqual([]);
  });

  it('flips the binary electron-builder made: the executable, the .exe, the .app bundle', async () => {
    const cases: [PackContext & { dir: string }, (dir: string) => string][] = [
      [packed('linux'), (d) => join(d, 'quorum-lab')],
      [packed('win32'), (d) => join(d, 'Quorum Lab.exe')],
      [packed('darwin', ARCH.arm64), (d) => join(d, 'Quorum Lab.app')],
    ];
    for (const [ctx, binary] of cases) {
      const s = stub();
      const config = await afterPack(ctx, s.load, contentOk);
      expect(s.calls).toEqual([[binary(ctx.dir), config]]);
    }
    const mac = stub();
    await afterPack(packed('darwin', ARCH.arm64), mac.load, contentOk);
    expect(mac.calls[0]![1]).toMatchObject({ resetAdHocDarwinSignature: true, [F.RunAsNode]: true });
  });

  it('really flips the fuse wire of a binary (a fake one carrying Electron’s sentinel) with @electron/fuses', async () => {
    const ctx = packed('linux');
    // Electron's defaults: RunAsNode 1, cookies 0, NODE_OPTIONS 1, --inspect 1, asar integrity 0,
    // only-asar 0, V8 snapshot 0, file:// privileges 1 ('1' = 0x31 on, '0' = 0x30 off).
    const wire = Buffer.from([1, 8, ...Buffer.from('10110001')]);
    const sentinel = Buffer.from('dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX');
    const binary = join(ctx.dir, 'quorum-lab');
    const before = Buffer.concat([Buffer.from('ELF-head'), sentinel, wire, Buffer.from('-rest')]);
    writeFileSync(binary, before);
    await afterPack(ctx, undefined, contentOk);
    // The wire as @electron/fuses reads it back: fuse number → state byte.
    const after = (await fuses.getCurrentFuseWire(binary)) as unknown as Record<number, number>;
    const on = (i: number): boolean => after[i] === 0x31;
    expect(on(F.RunAsNode)).toBe(true);
    expect(on(F.EnableCookieEncryption)).toBe(true);
    expect(on(F.EnableNodeOptionsEnvironmentVariable)).toBe(false);
    expect(on(F.EnableNodeCliInspectArguments)).toBe(false);
    expect(on(F.EnableEmbeddedAsarIntegrityValidation)).toBe(false);
    expect(on(F.OnlyLoadAppFromAsar)).toBe(true);
    expect(on(F.GrantFileProtocolExtraPrivileges)).toBe(false);
    // Only the wire changed.
    const bytes = readFileSync(binary);
    expect(bytes.length).toBe(before.length);
    expect(bytes.subarray(0, 8 + sentinel.length + 2)).toEqual(before.subarray(0, 8 + sentinel.length + 2));
    expect(bytes.subarray(-5).toString()).toBe('-rest');
  });
});

describe('the electron-builder config', () => {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
    build: { asar: boolean; asarUnpack: string[]; afterPack: string; files: string[] };
    devDependencies: Record<string, string>;
  };
  const unpacked = (path: string): boolean =>
    pkg.build.asarUnpack.some((g) =>
      new RegExp(`^${g.replace(/\*\*/g, '.*').replace(/\/\.\*$/, '(/.*)?')}$`).test(path),
    );

  it('packs the app into asar, flips fuses after packing, and pins its packaging tools', () => {
    expect(pkg.build.asar).toBe(true);
    expect(pkg.build.afterPack).toBe('scripts/after-pack.mjs');
    for (const tool of ['@electron/fuses', 'electron-builder', 'electron'])
      expect(pkg.devDependencies[tool], tool).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('unpacks what node processes load as plain files: the node bundle and better-sqlite3 with its .node', () => {
    expect(unpacked('out/node/main.mjs')).toBe(true);
    expect(unpacked('node_modules/better-sqlite3/build/Release/better_sqlite3.node')).toBe(true);
    for (const name of ['better-sqlite3', 'bindings', 'file-uri-to-path'])
      expect(unpacked(`node_modules/${name}/package.json`), name).toBe(true);
    expect(unpacked('out/main/index.js')).toBe(false);
  });

  it('ships no TypeScript sources and no tsx', () => {
    expect(pkg.build.files.some((f) => f.startsWith('src-main'))).toBe(false);
    for (const name of ['tsx', 'esbuild', '@esbuild'])
      expect(pkg.build.files, name).toContain(`!node_modules/${name}{,/**}`);
  });

  it('runs node processes from app.asar.unpacked in a packaged app, and from the checkout otherwise', () => {
    expect(unpackedRoot('/opt/Quorum Lab/resources/app.asar')).toBe('/opt/Quorum Lab/resources/app.asar.unpacked');
    expect(unpackedRoot('/home/me/quorum-lab')).toBe('/home/me/quorum-lab');
  });
});

describe('the packed-content check', () => {
  /** layout makes a resources folder with app.asar (listed by `inAsar`) and the given unpacked files. */
  function layout(unpackedFiles: string[]): string {
    const resources = mkdtempSync(join(tmpdir(), 'quorum-resources-'));
    writeFileSync(join(resources, 'app.asar'), '');
    for (const f of unpackedFiles) {
      const p = join(resources, 'app.asar.unpacked', f);
      mkdirSync(dirname(p), { recursive: true });
      writeFileSync(p, '');
    }
    return resources;
  }
  const good = [
    'out/node/main.mjs',
    'node_modules/better-sqlite3/package.json',
    'node_modules/better-sqlite3/build/Release/better_sqlite3.node',
  ];
  const asar =
    (extra: string[] = []) =>
    () => ['/out/main/index.js', '/out/main/live-check-worker.mjs', '/package.json', ...extra];

  it('passes a package with the bundle and SQLite unpacked and no sources', () => {
    expect(checkPackedApp(layout(good), asar())).toEqual([]);
  });

  it('names each thing that must not ship or is missing', () => {
    expect(checkPackedApp(layout(good), asar(['/src-main/node/main.ts', '/node_modules/tsx/package.json']))).toEqual([
      'src-main/node/main.ts is packed, but src-main/ must not ship',
      'node_modules/tsx/package.json is packed, but node_modules/tsx/ must not ship',
    ]);
    expect(checkPackedApp(layout(good.slice(1)), asar())).toEqual([
      'out/node/main.mjs is not unpacked beside app.asar (node processes load it as a file)',
    ]);
    expect(checkPackedApp(layout(good.slice(0, 2)), asar())).toEqual([
      'no better_sqlite3 .node is unpacked: the nodes cannot open SQLite',
    ]);
    const noWorker = (): string[] => asar()().filter((f) => !f.includes('live-check-worker'));
    expect(checkPackedApp(layout(good), noWorker)).toEqual([
      "out/main/live-check-worker.mjs (the live checker's worker) is not packed: the checker would run on the main process",
    ]);
    expect(checkPackedApp(mkdtempSync(join(tmpdir(), 'quorum-empty-')), asar())[0]).toMatch(/^no app\.asar in /);
  });
});
