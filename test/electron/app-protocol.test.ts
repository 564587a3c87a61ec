/**
 * The desktop window's page: where it comes from (the dev server only in an unpackaged app,
 * and only on loopback), what the app's scheme answers (files inside the renderer's
 * folder, with their types and the CSP; nothing outside, no links), and which origin the
 * IPC sender check accepts.
 */
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { APP_ORIGIN, appFilePath, pickRendererUrl, serveAppFile } from '../../src-main/electron/app-protocol';
import { originOf } from '../../src-main/electron/ipc-dispatch';

describe('the window’s page', () => {
  it('uses ELECTRON_RENDERER_URL only when the app is not packaged, and only a loopback http(s) address', () => {
    const built = `${APP_ORIGIN}/index.html`;
    expect(pickRendererUrl(false, 'http://localhost:5173/').url).toBe('http://localhost:5173/');
    expect(pickRendererUrl(false, 'http://127.0.0.1:5173').url).toBe('http://127.0.0.1:5173/');
    expect(pickRendererUrl(true, 'http://localhost:5173/')).toEqual({
      url: built,
      why: 'ELECTRON_RENDERER_URL is ignored in a packaged app',
    });
    for (const bad of ['https://evil.example/', 'file:///tmp/evil.html', 'javascript:alert(1)', 'not a url'])
      expect(pickRendererUrl(false, bad).url, bad).toBe(built);
    expect(pickRendererUrl(false, undefined).url).toBe(built);
    expect(pickRendererUrl(true, undefined).url).toBe(built);
  });

  it('serves files inside the renderer folder with their type and the CSP, and nothing else', async () => {
    const root = mkdtempSync(join(tmpdir(), 'quorum-renderer-'));
    mkdirSync(join(root, 'assets'));
    writeFileSync(join(root, 'index.html'), '<div id="app"></div>');
    writeFileSync(join(root, 'assets', 'app.js'), 'export {};');
    writeFileSync(join(root, '..', 'secret.txt'), 'no');
    symlinkSync('/etc/passwd', join(root, 'assets', 'passwd.js'));
    const page = await serveAppFile(root, 'quorum://app/index.html');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(await page.text()).toBe('<div id="app"></div>');
    const js = await serveAppFile(root, 'quorum://app/assets/app.js');
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect((await serveAppFile(root, 'quorum://app/')).status).toBe(200);
    for (const url of [
      'quorum://app/../secret.txt',
      'quorum://app/%2e%2e/secret.txt',
      'quorum://app/..%2fsecret.txt',
      'quorum://app/assets/passwd.js',
      'quorum://other/index.html',
      'quorum://app/missing.js',
      'quorum://app/%E0%A4%A',
    ])
      expect((await serveAppFile(root, url)).status, url).toBe(404);
    expect((await serveAppFile(root, 'quorum://app/index.html', 'POST')).status).toBe(405);
    // Dot segments collapse at the root (the URL parser's doing); escapes decoded later are caught.
    expect(appFilePath(root, 'quorum://app/a/../../x')).toBe(join(root, 'x'));
    expect(appFilePath(root, 'quorum://app/..%2f..%2fx')).toBeNull();
    expect(appFilePath(root, 'quorum://app/x%00.js')).toBeNull();
  });

  it('gives the app’s scheme its own origin, and no opaque origin can pass for it', () => {
    expect(originOf('quorum://app/index.html')).toBe(APP_ORIGIN);
    expect(originOf('quorum://other/index.html')).not.toBe(APP_ORIGIN);
    for (const opaque of ['data:text/html,x', 'about:blank', 'javascript:1', 'blob:null/x'])
      expect(originOf(opaque), opaque).toBe('');
  });
});
