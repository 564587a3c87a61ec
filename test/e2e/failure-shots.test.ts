/**
 * artifacts/e2e after a run shows that run's failures only: a test file's failure
 * screenshots from an earlier run are removed when the file starts, while its other
 * screenshots, other files' shots and any failure taken during this run stay.
 */
import { mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanFailureShots } from './helpers';

let dir = '';
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('failure screenshots of earlier runs', () => {
  it('are removed for the file that starts, and only its own, earlier ones', () => {
    dir = mkdtempSync(join(tmpdir(), 'quorum-shots-'));
    const start = Date.now();
    const old = new Date(start - 3_600_000);
    const shot = (name: string, when: Date): void => {
      writeFileSync(join(dir, name), 'png');
      utimesSync(join(dir, name), when, when);
    };
    shot('03-layout-failure.png', old);
    shot('06-layout-node-added-failure.png', old);
    shot('01-layout-partition-1024x700.png', old);
    shot('02-layoutx-failure.png', old);
    shot('04-clarity-failure.png', old);
    shot('07-layout-node-added-failure.png', new Date(start + 1000));
    cleanFailureShots('layout', dir, start);
    expect(readdirSync(dir).sort()).toEqual([
      '01-layout-partition-1024x700.png',
      '02-layoutx-failure.png',
      '04-clarity-failure.png',
      '07-layout-node-added-failure.png',
    ]);
  });
});
