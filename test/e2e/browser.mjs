// Which Chromium-family browser the browser tests drive (through playwright-core, which
// downloads none): the one named in QUORUM_CHROMIUM, else the first installed of Debian's
// `chromium`, Google Chrome, Microsoft Edge (and Chromium builds) in the usual places of
// Linux, macOS and Windows. Where there is none, `problem` is one line saying what to
// install. Plain JavaScript so that test/packaged/smoke.mjs can use it without tsx.
import { accessSync, constants } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';

/** BROWSER_ENV names the environment variable that picks the browser. */
export const BROWSER_ENV = 'QUORUM_CHROMIUM';

/** PATH_NAMES are the executables looked for on PATH (Linux), in order of preference. */
const PATH_NAMES = [
  'chromium',
  'chromium-browser',
  'google-chrome',
  'google-chrome-stable',
  'microsoft-edge',
  'microsoft-edge-stable',
];

/** browserCandidates lists where a Chromium-family browser may be installed on `platform`, in order of preference. */
export function browserCandidates(platform, env, home = homedir()) {
  if (platform === 'darwin') {
    const apps = [
      ['Google Chrome.app', 'Google Chrome'],
      ['Chromium.app', 'Chromium'],
      ['Microsoft Edge.app', 'Microsoft Edge'],
    ];
    return ['/Applications', join(home, 'Applications')].flatMap((dir) =>
      apps.map(([app, exe]) => join(dir, app, 'Contents', 'MacOS', exe)),
    );
  }
  if (platform === 'win32') {
    const bases = [
      env.LOCALAPPDATA,
      env.PROGRAMFILES,
      env['PROGRAMFILES(X86)'],
      env.ProgramFiles,
      env['ProgramFiles(x86)'],
    ];
    const unique = [...new Set(bases.filter((b) => typeof b === 'string' && b !== ''))];
    return unique.flatMap((b) => [
      join(b, 'Google', 'Chrome', 'Application', 'chrome.exe'),
      join(b, 'Microsoft', 'Edge', 'Application', 'msedge.exe'),
      join(b, 'Chromium', 'Application', 'chrome.exe'),
    ]);
  }
  const onPath = (env.PATH ?? '')
    .split(delimiter)
    .filter((d) => d !== '')
    .flatMap((d) => PATH_NAMES.map((n) => join(d, n)));
  return [
    ...onPath,
    '/usr/bin/chromium',
    '/snap/bin/chromium',
    '/opt/google/chrome/chrome',
    '/opt/microsoft/msedge/msedge',
  ];
}

/** installHint says, in one line, what to install on `platform`. */
export function installHint(platform) {
  const what =
    platform === 'darwin'
      ? 'install Google Chrome, Chromium or Microsoft Edge (into /Applications)'
      : platform === 'win32'
        ? 'install Google Chrome or Microsoft Edge'
        : 'install one (Debian/Ubuntu: sudo apt-get install chromium; or Google Chrome or Microsoft Edge)';
  return `no Chromium-family browser found for the browser tests: ${what}, or name its executable in ${BROWSER_ENV}`;
}

function executable(p) {
  try {
    accessSync(p, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * findChromium returns `{ path, problem }`: the browser to drive, or null and one line
 * saying what to install (or what is wrong with QUORUM_CHROMIUM).
 */
export function findChromium({ platform = process.platform, env = process.env, isExecutable = executable, home } = {}) {
  const named = env[BROWSER_ENV];
  if (named) {
    return isExecutable(named)
      ? { path: named, problem: null }
      : {
          path: null,
          problem: `${BROWSER_ENV}=${named} is not an executable file: point it at a Chromium, Google Chrome or Microsoft Edge executable`,
        };
  }
  const path = browserCandidates(platform, env, home).find((p) => isExecutable(p)) ?? null;
  return path ? { path, problem: null } : { path: null, problem: installHint(platform) };
}
