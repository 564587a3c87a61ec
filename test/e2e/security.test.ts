/**
 * Browser-origin attacks on a real `quorum-lab serve` (3 real node processes), performed by
 * real pages in Debian's Chromium: pages served by a foreign origin on this machine try
 * to pause, crash and partition nodes, put keys, store through the seed's API, export
 * files and read the live event stream — from a sandboxed iframe and a data: URL
 * (Origin: null), through a cross-origin redirect, from another port of 127.0.0.1
 * (same-site) and from another site — and try to frame the lab's page. Every attempt must
 * fail and leave the lab as it was: every node up with the same PID, no fault in the run
 * log, no key written, no file exported. Each test starts from a repaired lab, so each
 * attack is judged on its own. The page opened from the printed address, and only it,
 * works: it keeps the token and takes it out of the address bar.
 */
import { createServer, type Server } from 'node:http';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ClusterView, RunLogRecord } from '../../src-main/api/contract';
import { ROOT, buildWeb, requireChromium, openBrowser, startServe, stopServe, type Served } from './helpers';

/** EXPORT_NAME: the run the attacker tries to export (into the lab's data folder). */
const EXPORT_NAME = 'pwned-export';

/** The attacker's script, run inside a frame of the attacker's page; it reports to the top page. */
function attackScript(lab: string, token: string): string {
  const ws = lab.replace(/^http/, 'ws');
  return `
(async () => {
  const out = {};
  // Simple requests (no preflight): what any page can send without asking the lab first.
  const send = (path, body) =>
    fetch(${JSON.stringify(lab)} + path, { method: 'POST', mode: 'no-cors', body })
      .then(() => 'sent', (e) => 'blocked: ' + e.message);
  out.pause = await send('/api/nodes/n1/pause', '');
  out.partition = await send('/api/partition', '{"groups":[["n1"],["n2","n3"]]}');
  out.kv = await send('/api/kv', '{"op":"put","key":"pwned-kv","value":"1"}');
  out.seed = await send('/', '{"type":"store","key":"pwned-seed","value":"1"}');
  out.export = await send('/api/export', ${JSON.stringify(JSON.stringify({ dir: EXPORT_NAME, name: EXPORT_NAME }))});
  // The live event stream: once without, once with a (leaked) token.
  const listen = (protocols) =>
    new Promise((resolve) => {
      let ws;
      try { ws = protocols ? new WebSocket(${JSON.stringify(ws)} + '/api/events', protocols) : new WebSocket(${JSON.stringify(ws)} + '/api/events'); }
      catch (e) { resolve('blocked: ' + e.message); return; }
      const t = setTimeout(() => { ws.close(); resolve('silent'); }, 4000);
      ws.onmessage = (m) => { clearTimeout(t); ws.close(); resolve('read: ' + String(m.data).slice(0, 40)); };
      ws.onerror = () => { clearTimeout(t); resolve('refused'); };
    });
  out.events = await listen(null);
  out.eventsWithToken = await listen(['quorum-lab', 'bearer.${token}']);
  parent.postMessage({ attack: out }, '*');
})();`;
}

/** attackerPages: a page with a sandboxed iframe (srcdoc), one with a data: URL iframe, a top-level page, a redirector and a framing page. */
function attackerServer(lab: string, token: string): Server {
  const script = attackScript(lab, token);
  const collect = `<script>window.results = []; addEventListener('message', (e) => window.results.push(e.data));</script>`;
  const pages: Record<string, string> = {
    '/sandboxed': `${collect}<iframe sandbox="allow-scripts" srcdoc="${escapeAttr(`<script>${script}</script>`)}"></iframe>`,
    '/data-url': `${collect}<iframe src="data:text/html;base64,${Buffer.from(`<script>${script}</script>`).toString('base64')}"></iframe>`,
    // A top-level page: its parent is itself.
    '/top': `${collect}<script>${script}</script>`,
    '/redirected': `${collect}<script>
      fetch('/redirect?to=' + encodeURIComponent(${JSON.stringify(`${lab}/api/nodes/n2/crash`)}), { method: 'POST', mode: 'no-cors' })
        .then(() => window.results.push({ redirect: 'sent' }), (e) => window.results.push({ redirect: 'blocked: ' + e.message }));
    </script>`,
    '/frame': `<iframe id="lab" src="${lab}/?token=${token}" width="800" height="600"></iframe>`,
  };
  return createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/redirect') {
      // 307 keeps the method and body: the browser re-sends the POST to the lab, with Origin: null.
      res.writeHead(307, { location: url.searchParams.get('to') ?? '/' });
      res.end();
      return;
    }
    const page = pages[url.pathname];
    res.writeHead(page ? 200 : 404, { 'content-type': 'text/html; charset=utf-8' });
    res.end(page ?? 'no such page');
  });
}

function escapeAttr(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/"/g, '&quot;');
}

async function until<T>(what: string, fn: () => Promise<T | null | undefined | false>, ms: number): Promise<T> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const v = await fn().catch(() => null);
    if (v) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out after ${ms} ms waiting for ${what}`);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('browser-origin attacks on a running lab (Chromium)', () => {
  let served: Served | null = null;
  let attacker: Server | null = null;
  let attackerPort = 0;
  let context: BrowserContext | null = null;
  let page: Page;
  let pids: number[] = [];
  /** mark: the run log's last sequence number when the test began. */
  let mark = 0;
  /** exportDir: where the attacker's export would land. */
  let exportDir = '';

  const cluster = async (): Promise<ClusterView> => (await (await served!.api('/api/cluster')).json()) as ClusterView;
  const log = async (since: number): Promise<RunLogRecord[]> =>
    (await (await served!.api(`/api/log?since=${since}`)).json()) as RunLogRecord[];
  const post = (path: string, body?: unknown) =>
    served!.api(path, { method: 'POST', ...(body === undefined ? {} : { body: JSON.stringify(body) }) });

  /** repair undoes whatever an attack did (so the next test is judged on its own) and notes the lab as it is. */
  async function repair(): Promise<void> {
    for (const n of (await cluster()).nodes) {
      if (n.status === 'paused') await post(`/api/nodes/${n.id}/resume`);
      if (n.status === 'down') await post(`/api/nodes/${n.id}/restart`);
    }
    await post('/api/heal');
    const v = await until(
      'three nodes up with a leader',
      async () => {
        const c = await cluster();
        return c.nodes.length === 3 && c.nodes.every((n) => n.status === 'up' && n.pid !== null) && c.leader ? c : null;
      },
      60_000,
    );
    pids = v.nodes.map((n) => n.pid!);
    for (const key of ['pwned-kv', 'pwned-seed'])
      await until(
        `${key} deleted`,
        async () =>
          ((await (await post('/api/kv', { op: 'delete', key })).json()) as { outcome: string }).outcome === 'ok',
        30_000,
      );
    rmSync(exportDir, { recursive: true, force: true });
    mark = (await log(0)).at(-1)?.seq ?? 0;
  }

  /** unharmed checks the lab is as it was: every node up with its PID, one zone, no fault logged, nothing written. */
  async function expectUnharmed(): Promise<void> {
    const v = await cluster();
    expect(v.nodes.map((n) => [n.id, n.status, n.pid])).toEqual(pids.map((p, i) => [`n${i + 1}`, 'up', p]));
    expect(pids.every(alive)).toBe(true);
    expect(v.groups).toHaveLength(1);
    const kinds = new Set((await log(mark)).map((r) => r.kind));
    for (const k of ['pause', 'crash', 'partition', 'export']) expect(kinds.has(k), `a '${k}' record`).toBe(false);
    const got = (await (
      await served!.api('/api/kv', { method: 'POST', body: '{"op":"get","key":"pwned-kv"}' })
    ).json()) as {
      value: unknown;
    };
    expect(got.value).toBeNull();
    const seed = await fetch(`${served!.url}/`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"type":"fetch","key":"pwned-seed"}',
    });
    expect(await seed.json()).toEqual({ status: 'error', message: 'Data not found' });
    expect(existsSync(exportDir)).toBe(false);
  }

  beforeAll(async () => {
    // Not skipped when missing: one line says what to install.
    requireChromium();
    // Its own folder: lab.test.ts builds into the default one, and a build empties its folder first.
    const web = buildWeb(join(ROOT, 'artifacts', 'e2e-web-security'));
    served = await startServe(['--web', web, '--nodes', '3', '--heartbeat-ms', '50', '--election-ms', '300']);
    exportDir = join(served.dataDir, EXPORT_NAME);
    attacker = attackerServer(served.url, served.token);
    attackerPort = await new Promise<number>((r) =>
      attacker!.listen(0, '127.0.0.1', () => r((attacker!.address() as { port: number }).port)),
    );
    ({ context, page } = await openBrowser());
  }, 180_000);

  beforeEach(repair, 120_000);

  afterAll(async () => {
    await context?.close();
    await new Promise<void>((r) => (attacker ? attacker.close(() => r()) : r()));
    await stopServe(served);
  });

  /** attackFrom opens the attacker's page and waits for its frame's report. */
  async function attackFrom(origin: string, path: string): Promise<Record<string, string>> {
    await page.goto(`${origin}${path}`);
    const results = await until(
      `the report of ${path}`,
      async () => {
        const r = (await page.evaluate(() => (window as unknown as { results: unknown[] }).results)) as {
          attack?: Record<string, string>;
        }[];
        return r.find((x) => x.attack)?.attack ?? null;
      },
      30_000,
    );
    console.log(`attack ${origin}${path}: ${JSON.stringify(results)}`);
    return results;
  }

  it('a sandboxed iframe (Origin: null) can change nothing and read no event', { timeout: 90_000 }, async () => {
    const r = await attackFrom(`http://localhost:${attackerPort}`, '/sandboxed');
    expect.soft(r.events).not.toMatch(/^read/);
    expect.soft(r.eventsWithToken).not.toMatch(/^read/);
    await expectUnharmed();
  });

  it('a data: URL frame (Origin: null) can change nothing and read no event', { timeout: 90_000 }, async () => {
    const r = await attackFrom(`http://localhost:${attackerPort}`, '/data-url');
    expect.soft(r.events).not.toMatch(/^read/);
    expect.soft(r.eventsWithToken).not.toMatch(/^read/);
    await expectUnharmed();
  });

  it('another site, and another port of 127.0.0.1 (same-site), can change nothing', { timeout: 90_000 }, async () => {
    for (const origin of [`http://localhost:${attackerPort}`, `http://127.0.0.1:${attackerPort}`]) {
      const r = await attackFrom(origin, '/top');
      expect.soft(r.events).not.toMatch(/^read/);
      expect.soft(r.eventsWithToken).not.toMatch(/^read/);
    }
    await expectUnharmed();
  });

  it('a cross-origin redirect (the lab sees Origin: null) cannot crash a node', { timeout: 60_000 }, async () => {
    await page.goto(`http://localhost:${attackerPort}/redirected`);
    await until(
      'the redirected request',
      async () =>
        ((await page.evaluate(() => (window as unknown as { results: unknown[] }).results)) as unknown[]).length > 0,
      15_000,
    );
    // The crash would be immediate; give a slow machine a moment anyway.
    await new Promise((r) => setTimeout(r, 500));
    await expectUnharmed();
  });

  it('a foreign page cannot frame the lab’s page', { timeout: 60_000 }, async () => {
    await page.goto(`http://localhost:${attackerPort}/frame`);
    await page.waitForLoadState('load');
    await new Promise((r) => setTimeout(r, 1500));
    const child = page.frames().find((f) => f !== page.mainFrame());
    expect(child).toBeDefined();
    // Blocked by X-Frame-Options / frame-ancestors: the frame holds Chromium's error page, not the lab.
    const appInFrame = await child!
      .locator('#app')
      .count()
      .catch(() => 0);
    expect(appInFrame).toBe(0);
    expect(child!.url()).not.toContain(served!.url);
  });

  it(
    'the page opened from the printed address works, keeps the token and drops it from the address bar',
    { timeout: 90_000 },
    async () => {
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(served!.pageUrl);
      await until(
        'connected with a leader shown',
        async () => {
          const conn = await page.getByTestId('connection').textContent();
          const leader = await page.getByTestId('leader').textContent();
          return conn === 'connected' && /leader n\d/.test(leader ?? '');
        },
        20_000,
      );
      expect(page.url()).toBe(`${served!.url}/`);
      expect(await page.evaluate(() => sessionStorage.getItem('quorum-lab-token'))).toBe(served!.token);
      // A reload (no token in the address any more) still works: the tab kept it.
      await page.reload();
      await until(
        'connected again after a reload',
        async () => (await page.getByTestId('connection').textContent()) === 'connected',
        20_000,
      );
      expect(errors).toEqual([]);

      // A tab opened on the bare address has no token: the lab answers it 401 and it says so.
      const bare = await context!.newPage();
      const refused = bare.waitForResponse((r) => r.url().includes('/api/') && r.status() === 401, { timeout: 20_000 });
      await bare.goto(served!.url);
      expect((await refused).status()).toBe(401);
      await until(
        'the error shown',
        async () => /token/.test((await bare.getByRole('alert').textContent()) ?? ''),
        20_000,
      );
      await bare.close();
      await expectUnharmed();
    },
  );
});
