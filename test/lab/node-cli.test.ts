/**
 * The command lines of remote nodes: `quorum-lab node --join …` and serve's
 * `--listen-nodes` / `--remote-slots` / `--node-token`, each mistake refused in one line.
 */
import { describe, expect, it } from 'vitest';
import { parseJoinUrl, parseNodeArgs } from '../../src-main/lab/node-cli';
import { parseServeArgs, remoteLines } from '../../src-main/web/serve';

const TOKEN = 'node-token-0123456789abcdef';

describe('quorum-lab node', () => {
  it('reads --join, --token, --id, --data and --host-name', () => {
    const a = parseNodeArgs(
      ['--join', 'http://10.1.2.3:7400', '--token', TOKEN, '--id', 'n4', '--data', '/d', '--host-name', 'lab pc!'],
      {},
    );
    expect(a).toMatchObject({
      labHost: '10.1.2.3',
      labPort: 7400,
      token: TOKEN,
      id: 'n4',
      data: '/d',
      hostName: 'labpc',
    });
  });

  it('takes the token from QUORUM_LAB_NODE_TOKEN, so it stays out of ps', () => {
    expect(parseNodeArgs(['--join', 'http://h:1'], { QUORUM_LAB_NODE_TOKEN: TOKEN })).toMatchObject({ token: TOKEN });
  });

  it('refuses what it cannot use, saying why', () => {
    expect(parseNodeArgs(['--token', TOKEN], {})).toBe('--join http://HOST:PORT is required');
    expect(parseNodeArgs(['--join', 'http://h:1'], {})).toMatch(/--token is required/);
    expect(parseNodeArgs(['--join', 'http://h:1', '--token', 'a b'], {})).toMatch(/^--token: /);
    expect(parseNodeArgs(['--join', 'http://h:1', '--token', TOKEN, '--id', '../x'], {})).toMatch(/^--id must be/);
    expect(parseJoinUrl('h:1')).toMatch(/must start with http:\/\/|must be a URL/);
    expect(parseJoinUrl('https://h:1')).toMatch(/must start with http:\/\//);
    expect(parseJoinUrl('http://h')).toMatch(/needs the port/);
    expect(parseJoinUrl('http://h:1/api')).toMatch(/no path/);
    expect(parseJoinUrl('http://u:p@h:1')).toMatch(/user name or password/);
    expect(parseJoinUrl('http://[::1]:7400')).toEqual({ host: '::1', port: 7400 });
  });
});

describe('serve --listen-nodes', () => {
  it('makes the remote slots members beside the local nodes', () => {
    const a = parseServeArgs(['--nodes', '3', '--listen-nodes', '0.0.0.0:7400', '--remote-slots', 'n4,n5'], {});
    expect(a).toMatchObject({ remote: { host: '0.0.0.0', port: 7400, slots: ['n4', 'n5'] } });
  });

  it('refuses half a configuration and clashing ids', () => {
    expect(parseServeArgs(['--remote-slots', 'n4'], {})).toMatch(/--remote-slots needs --listen-nodes/);
    expect(parseServeArgs(['--listen-nodes', '0.0.0.0:7400'], {})).toMatch(/needs --remote-slots/);
    expect(parseServeArgs(['--listen-nodes', '7400', '--remote-slots', 'n4'], {})).toMatch(/HOST:PORT/);
    expect(parseServeArgs(['--nodes', '3', '--listen-nodes', 'h:1', '--remote-slots', 'n3'], {})).toMatch(
      /n3 is already a local node/,
    );
    expect(parseServeArgs(['--listen-nodes', 'h:1', '--remote-slots', 'n4,n4'], {})).toMatch(/must not repeat/);
    expect(parseServeArgs(['--listen-nodes', 'h:1', '--remote-slots', 'n4', '--node-token', 'x y'], {})).toMatch(
      /^--node-token: /,
    );
  });

  it('warns on start and prints the command a host joins with', () => {
    const lines = remoteLines({ host: '10.0.0.5', slots: ['n4', 'n5'], token: TOKEN }, 7400);
    expect(lines[0]).toMatch(/^WARNING: listening for remote nodes on 10\.0\.0\.5:7400/);
    expect(lines.join('\n')).toContain(`quorum-lab node --join http://10.0.0.5:7400 --token ${TOKEN} --id n4`);
  });
});
