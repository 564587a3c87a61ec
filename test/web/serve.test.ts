/**
 * `quorum-lab serve` as a user runs it: spawn the real CLI, read the URL it prints, run
 * the seed document's curl examples verbatim, then SIGTERM it and check that no node
 * process is left behind. Also: bad options are refused with exit code 2.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClusterView } from '../../src-main/api/contract';

const ROOT = join(import.meta.dirname, '..', '..');
const BIN = join(ROOT, 'bin', 'quorum-lab.mjs');

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** START is the start line: `Quorum Lab on http://127.0.0.1:PORT/?token=T`. */
/** CHOSEN_TOKEN is given with --token: the start line and the API must use exactly it. */
const CHOSEN_TOKEN = 'serve-test-token-0123456789';

const START = /Quorum Lab on (http:\/\/127\.0\.0\.1:\d+)\/\?token=([A-Za-z0-9._~-]+)\n/;

function curl(args: string[]): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile('curl', ['-s', ...args], (err, stdout) => (err ? reject(err) : resolve(stdout))),
  );
}

describe('quorum-lab serve', () => {
  let proc: ChildProcess;
  let base = '';
  let token = '';
  let exited: Promise<number | null>;
  const dir = mkdtempSync(join(tmpdir(), 'ql-serve-'));

  beforeAll(async () => {
    proc = spawn(
      process.execPath,
      [
        BIN,
        'serve',
        '--port',
        '0',
        '--nodes',
        '3',
        '--heartbeat-ms',
        '50',
        '--election-ms',
        '300',
        '--data',
        dir,
        '--token',
        CHOSEN_TOKEN,
      ],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    exited = new Promise((r) => proc.once('exit', (code) => r(code)));
    let out = '';
    [base, token] = await new Promise<[string, string]>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`serve printed no URL: ${out}`)), 60_000);
      proc.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        const m = START.exec(out);
        if (m) {
          clearTimeout(t);
          resolve([m[1]!, m[2]!]);
        }
      });
      proc.stderr!.resume();
    });
  });

  afterAll(() => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('uses the --token it was given: printed on the start line, required by the API', async () => {
    expect(token).toBe(CHOSEN_TOKEN);
    expect(JSON.parse(await curl([`${base}/api/cluster`]))).toEqual({ error: expect.stringContaining('token') });
    const auth = ['-H', `Authorization: Bearer ${CHOSEN_TOKEN}`];
    expect((JSON.parse(await curl([...auth, `${base}/api/cluster`])) as ClusterView).nodes).toHaveLength(3);
    // The README's examples, with the token and a JSON content type.
    const json = ['-H', 'Content-Type: application/json'];
    const heal = await curl([...auth, ...json, '-X', 'POST', '-d', '{}', `${base}/api/heal`]);
    expect((JSON.parse(heal) as ClusterView).groups).toHaveLength(1);
    // The old form, without a content type (curl -d sends a form), is refused: 415.
    const form = await curl([
      '-o',
      '/dev/null',
      '-w',
      '%{http_code}',
      ...auth,
      '-X',
      'POST',
      '-d',
      '{}',
      `${base}/api/heal`,
    ]);
    expect(form).toBe('415');
  });

  it('serves the seed’s curl examples verbatim and the UI page', async () => {
    // A leader first, so the store is not racing the first election.
    const end = Date.now() + 20_000;
    while (Date.now() < end) {
      const v = JSON.parse(await curl(['-H', `Authorization: Bearer ${token}`, `${base}/api/cluster`])) as ClusterView;
      if (v.nodes.some((n) => n.role === 'leader')) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const json = ['-H', 'Content-Type: application/json'];
    expect(
      JSON.parse(
        await curl(['-X', 'POST', ...json, '-d', '{"type":"store","key":"name","value":"Alice"}', `${base}/`]),
      ),
    ).toEqual({
      status: 'success',
      message: 'Data stored successfully',
    });
    expect(JSON.parse(await curl(['-X', 'POST', ...json, '-d', '{"type":"fetch","key":"name"}', `${base}/`]))).toEqual({
      status: 'success',
      message: 'Data fetched successfully',
      value: 'Alice',
    });
    expect(
      JSON.parse(await curl(['-X', 'POST', ...json, '-d', '{"type":"fetch","key":"nobody"}', `${base}/`])),
    ).toEqual({
      status: 'error',
      message: 'Data not found',
    });
    expect(JSON.parse(await curl(['-X', 'POST', ...json, '-d', '{"type":"update","key":"name"}', `${base}/`]))).toEqual(
      {
        status: 'error',
        message: 'Invalid request type',
      },
    );
    const page = await curl([`${base}/`]);
    expect(page).toMatch(/<html/i);
    // A request from another web site is refused (a page the user visits cannot drive the lab).
    const cross = await fetch(`${base}/api/heal`, {
      method: 'POST',
      headers: { origin: 'http://evil.example', authorization: `Bearer ${token}` },
    });
    expect(cross.status).toBe(403);
  });

  it('leaves no node process behind after SIGTERM', async () => {
    const v = JSON.parse(await curl(['-H', `Authorization: Bearer ${token}`, `${base}/api/cluster`])) as ClusterView;
    const pids = v.nodes.map((n) => n.pid).filter((p): p is number => typeof p === 'number');
    expect(pids.length).toBe(3);
    expect(pids.every(alive)).toBe(true);
    proc.kill('SIGTERM');
    expect(await exited).toBe(0);
    const end = Date.now() + 5000;
    while (Date.now() < end && pids.some(alive)) await new Promise((r) => setTimeout(r, 50));
    expect(pids.filter(alive)).toEqual([]);
  });

  it('refuses bad options with exit code 2 and a message', async () => {
    const run = (args: string[]) =>
      new Promise<{ code: number | null; err: string }>((resolve) => {
        execFile(process.execPath, [BIN, 'serve', ...args], (e, _o, err) =>
          resolve({ code: e ? (e.code as number) : 0, err }),
        );
      });
    const zero = await run(['--nodes', '0']);
    expect(zero.code).toBe(2);
    expect(zero.err).toMatch(/nodes must be an integer in 1\.\.15/);
    const proto = await run(['--protocol', 'zab']);
    expect(proto.code).toBe(2);
    expect(proto.err).toMatch(/protocol must be one of raft, paxos/);
    const token = await run(['--token', 'not a token']);
    expect(token.code).toBe(2);
    expect(token.err).toMatch(/--token: a token is/);
    const help = await new Promise<string>((resolve) =>
      execFile(process.execPath, [BIN, 'serve', '--help'], (_e, out) => resolve(out)),
    );
    expect(help).toMatch(/--token T/);
  });

  it('stops, with its nodes, when its parent process dies', async () => {
    // The parent is a small Node process that starts serve and is then SIGKILLed: it gets no
    // chance to clean up, so serve must notice on its own (it is re-parented).
    const wrapper = spawn(
      process.execPath,
      [
        '-e',
        `const c = require('node:child_process').spawn(process.execPath, ${JSON.stringify([BIN, 'serve', '--port', '0', '--heartbeat-ms', '50', '--election-ms', '300', '--data', dir])}, { stdio: ['ignore', 'inherit', 'ignore'] }); console.log('serve pid ' + c.pid); setInterval(() => {}, 1000);`,
      ],
      { stdio: ['ignore', 'pipe', 'ignore'] },
    );
    let out = '';
    const [url, wrapped] = await new Promise<[string, string]>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no URL: ${out}`)), 60_000);
      wrapper.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        const m = START.exec(out);
        if (m) {
          clearTimeout(t);
          resolve([m[1]!, m[2]!]);
        }
      });
    });
    const servePid = Number(/serve pid (\d+)/.exec(out)![1]);
    const v = JSON.parse(await curl(['-H', `Authorization: Bearer ${wrapped}`, `${url}/api/cluster`])) as ClusterView;
    const pids = [servePid, ...v.nodes.map((n) => n.pid).filter((p): p is number => typeof p === 'number')];
    expect(pids.length).toBe(4);
    wrapper.kill('SIGKILL');
    const end = Date.now() + 10_000;
    while (Date.now() < end && pids.some(alive)) await new Promise((r) => setTimeout(r, 100));
    expect(pids.filter(alive)).toEqual([]);
  }, 90_000);
});
