/**
 * Finding a browser for the browser tests on a fresh machine of any of the three systems:
 * QUORUM_CHROMIUM first, then Debian's chromium, Google Chrome, Microsoft Edge where each
 * system installs them; with none, one line saying what to install. And what a user sees
 * when there is none: the browser test files fail with that one line, no stack trace.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BROWSER_ENV, findChromium, installHint } from './browser.mjs';
import { ROOT } from './helpers';

/** only makes an isExecutable that accepts exactly the given paths. */
const only =
  (...paths: string[]) =>
  (p: string): boolean =>
    paths.includes(p);

describe('finding a Chromium-family browser', () => {
  it('takes the one QUORUM_CHROMIUM names, and says so when that is not an executable', () => {
    const env = { [BROWSER_ENV]: '/opt/my/chrome', PATH: '/usr/bin' };
    expect(findChromium({ platform: 'linux', env, isExecutable: only('/opt/my/chrome', '/usr/bin/chromium') })).toEqual(
      { path: '/opt/my/chrome', problem: null },
    );
    const bad = findChromium({ platform: 'linux', env, isExecutable: only('/usr/bin/chromium') });
    expect(bad.path).toBeNull();
    expect(bad.problem).toBe(
      'QUORUM_CHROMIUM=/opt/my/chrome is not an executable file: point it at a Chromium, Google Chrome or Microsoft Edge executable',
    );
  });

  it('on Linux prefers Debian’s chromium on PATH, then Google Chrome, then Edge', () => {
    const env = { PATH: '/usr/local/bin:/usr/bin' };
    const find = (...installed: string[]): string | null =>
      findChromium({ platform: 'linux', env, isExecutable: only(...installed) }).path;
    expect(find('/usr/bin/google-chrome', '/usr/bin/chromium')).toBe('/usr/bin/chromium');
    expect(find('/usr/bin/google-chrome', '/usr/bin/microsoft-edge')).toBe('/usr/bin/google-chrome');
    expect(find('/usr/bin/microsoft-edge-stable')).toBe('/usr/bin/microsoft-edge-stable');
    expect(find('/opt/google/chrome/chrome')).toBe('/opt/google/chrome/chrome');
  });

  it('on macOS looks in /Applications and ~/Applications', () => {
    const chrome = '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome';
    const edge = '/Users/me/Applications/Microsoft Edge.app/Contents/MacOS/Microsoft Edge';
    const find = (...installed: string[]): string | null =>
      findChromium({ platform: 'darwin', env: {}, home: '/Users/me', isExecutable: only(...installed) }).path;
    expect(find(edge, chrome)).toBe(chrome);
    expect(find(edge)).toBe(edge);
  });

  it('on Windows looks under Program Files and the user’s local programs (Edge ships with Windows)', () => {
    const env = {
      PROGRAMFILES: 'C:\\Program Files',
      'PROGRAMFILES(X86)': 'C:\\Program Files (x86)',
      LOCALAPPDATA: 'L',
    };
    const edge = join('C:\\Program Files (x86)', 'Microsoft', 'Edge', 'Application', 'msedge.exe');
    const chrome = join('L', 'Google', 'Chrome', 'Application', 'chrome.exe');
    const find = (...installed: string[]): string | null =>
      findChromium({ platform: 'win32', env, isExecutable: only(...installed) }).path;
    expect(find(edge)).toBe(edge);
    expect(find(edge, chrome)).toBe(chrome);
  });

  it('with none installed, says in one line what to install on each system', () => {
    for (const platform of ['linux', 'darwin', 'win32']) {
      const r = findChromium({ platform, env: { PATH: '/nowhere' }, isExecutable: () => false });
      expect(r).toEqual({ path: null, problem: installHint(platform) });
      expect(r.problem).not.toContain('\n');
      expect(r.problem).toContain('QUORUM_CHROMIUM');
    }
    expect(installHint('linux')).toContain('apt-get install chromium');
    expect(installHint('darwin')).toContain('Google Chrome');
    expect(installHint('win32')).toContain('Microsoft Edge');
  });
});

describe('a browser test file on a machine without the browser', () => {
  it('fails with one line saying what to install, not a stack trace', { timeout: 90_000 }, () => {
    const r = spawnSync(
      process.execPath,
      [join(ROOT, 'node_modules', 'vitest', 'vitest.mjs'), 'run', 'test/e2e/lab.test.ts'],
      {
        cwd: ROOT,
        encoding: 'utf8',
        timeout: 80_000,
        env: { ...process.env, [BROWSER_ENV]: join(ROOT, 'no-such-browser'), FORCE_COLOR: '0', NO_COLOR: '1' },
      },
    );
    // eslint-disable-next-line no-control-regex -- colour codes out, whatever the terminal settings
    const out = `${r.stdout}\n${r.stderr}`.replace(/\u001b\[[0-9;]*m/g, '');
    expect(r.status, out).not.toBe(0);
    expect(out).toContain(
      `MissingBrowserError: QUORUM_CHROMIUM=${join(ROOT, 'no-such-browser')} is not an executable file: point it at a Chromium, Google Chrome or Microsoft Edge executable`,
    );
    // No stack frames, no code frame: the line above is all that is said about it.
    expect(out).not.toMatch(/^\s+at /m);
    expect(out).not.toMatch(/❯ \S+:\d+:\d+/);
    // Nothing was built or started before the check.
    expect(out).not.toContain('e2e setup');
  });
});
