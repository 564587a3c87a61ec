/**
 * Packaging without Electron's binary: the afterPack hook flips the right fuses on the
 * right file for each platform (a stand-in flipFuses records the call; the real
 * @electron/fuses flips a fake binary that carries Electron's fuse sentinel), the builder
 * config packs the app into asar, and everything a node process loads outside Electron
 * (it runs on a system Node, which cannot read asar) is unpacked.
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as fuses from '@electron/fuses';
import { describe, expect, it } from 'vitest';
import afterPack, { fuseConfig, type PackContext } from '../../scripts/after-pack.mjs';
import { unpackedRoot } from '../../src-main/electron/node-runtime';

const ROOT = join(import.meta.dirname, '..', '..');
const { FuseV1Options: F } = fuses;
const ARCH = { x64: 1, arm64: 3 };

/** packed lays out what electron-builder leaves in appOutDir, with or without the Electron-ABI SQLite. */
function packed(platform: string, sqlite: boolean, arch = ARCH.x64): PackContext & { dir: string } {
  const dir = mkdtempSync(join(tmpdir(), `quorum-pack-${platform}-`));
  const resources =
    platform === 'darwin' ? join(dir, 'Quorum Lab.app', 'Contents', 'Resources') : join(dir, 'resources');
  mkdirSync(join(resources, 'sqlite-electron'), { recursive: true });
  if (sqlite) writeFileSync(join(resources, 'sqlite-electron', 'better_sqlite3.node'), '');
  return {
    dir,
    electronPlatformName: platform,
    appOutDir: dir,
    arch,
    packager: { appInfo: { productFilename: 'Quorum Lab' }, executableName: 'quorum-lab' },
  };
}

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
      const c = fuseConfig(fuses, { platform, arch: 'x64', shipsElectronSqlite: false });
      expect(c, platform).toMatchObject({
        version: fuses.FuseVersion.V1,
        [F.RunAsNode]: false,
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
    expect(fuseConfig(fuses, { platform: 'darwin', arch: 'arm64', shipsElectronSqlite: false })).toMatchObject({
      resetAdHocDarwinSignature: true,
    });
  });

  it('keeps RunAsNode only when the app ships the Electron-ABI SQLite its node fallback needs', async () => {
    for (const sqlite of [false, true]) {
      const s = stub();
      await afterPack(packed('linux', sqlite), s.load);
      expect(s.calls).toHaveLength(1);
      expect(s.calls[0]![1][F.RunAsNode], `sqlite shipped: ${sqlite}`).toBe(sqlite);
    }
  });

  it('flips the binary electron-builder made: the executable, the .exe, the .app bundle', async () => {
    const cases: [PackContext & { dir: string }, (dir: string) => string][] = [
      [packed('linux', false), (d) => join(d, 'quorum-lab')],
      [packed('win32', false), (d) => join(d, 'Quorum Lab.exe')],
      [packed('darwin', true, ARCH.arm64), (d) => join(d, 'Quorum Lab.app')],
    ];
    for (const [ctx, binary] of cases) {
      const s = stub();
      const config = await afterPack(ctx, s.load);
      expect(s.calls).toEqual([[binary(ctx.dir), config]]);
    }
    const mac = stub();
    await afterPack(packed('darwin', true, ARCH.arm64), mac.load);
    expect(mac.calls[0]![1]).toMatchObject({ resetAdHocDarwinSignature: true, [F.RunAsNode]: true });
  });

  it('really flips the fuse wire of a binary (a fake one carrying Electron’s sentinel) with @electron/fuses', async () => {
    const ctx = packed('linux', false);
    // Electron's defaults: RunAsNode 1, cookies 0, NODE_OPTIONS 1, --inspect 1, asar integrity 0,
    // only-asar 0, V8 snapshot 0, file:// privileges 1 ('1' = 0x31 on, '0' = 0x30 off).
    const wire = Buffer.from([1, 8, ...Buffer.from('10110001')]);
    const sentinel = Buffer.from('dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX');
    const binary = join(ctx.dir, 'quorum-lab');
    const before = Buffer.concat([Buffer.from('ELF-head'), sentinel, wire, Buffer.from('-rest')]);
    writeFileSync(binary, before);
    await afterPack(ctx);
    // The wire as @electron/fuses reads it back: fuse number → state byte.
    const after = (await fuses.getCurrentFuseWire(binary)) as unknown as Record<number, number>;
    const on = (i: number): boolean => after[i] === 0x31;
    expect(on(F.RunAsNode)).toBe(false);
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
    build: { asar: boolean; asarUnpack: string[]; afterPack: string };
    devDependencies: Record<string, string>;
  };
  const lock = (
    JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as {
      packages: Record<
        string,
        { dependencies?: Record<string, string>; optionalDependencies?: Record<string, string> }
      >;
    }
  ).packages;

  /** closure is a package with everything it depends on at run time (as package-lock.json has them). */
  function closure(name: string, out = new Set<string>()): Set<string> {
    const p = lock[`node_modules/${name}`];
    if (!p || out.has(name)) return out;
    out.add(name);
    for (const d of Object.keys({ ...p.dependencies, ...p.optionalDependencies })) closure(d, out);
    return out;
  }

  it('packs the app into asar, flips fuses after packing, and pins @electron/fuses', () => {
    expect(pkg.build.asar).toBe(true);
    expect(pkg.build.afterPack).toBe('scripts/after-pack.mjs');
    expect(pkg.devDependencies['@electron/fuses']).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('unpacks what node processes load outside Electron: their sources, tsx, better-sqlite3 and its .node', () => {
    const unpacked = (path: string): boolean =>
      pkg.build.asarUnpack.some((g) =>
        new RegExp(`^${g.replace(/\*\*/g, '.*').replace(/\/\.\*$/, '(/.*)?')}$`).test(path),
      );
    expect(unpacked('src-main/node/main.ts')).toBe(true);
    expect(unpacked('node_modules/better-sqlite3/build/Release/better_sqlite3.node')).toBe(true);
    // better-sqlite3 loads its binding through bindings (prebuild-install is install-time only).
    const runtime = [...closure('tsx'), 'better-sqlite3', ...closure('bindings')];
    for (const name of runtime) expect(unpacked(`node_modules/${name}/package.json`), name).toBe(true);
    expect(unpacked('out/main/index.js')).toBe(false);
  });

  it('runs node processes from app.asar.unpacked in a packaged app, and from the checkout otherwise', () => {
    expect(unpackedRoot('/opt/Quorum Lab/resources/app.asar')).toBe('/opt/Quorum Lab/resources/app.asar.unpacked');
    expect(unpackedRoot('/home/me/quorum-lab')).toBe('/home/me/quorum-lab');
  });
});
