/**
 * The space-time diagram's SVG export read back in the page: Export SVG is clicked, the
 * download parsed with the page's own DOMParser, and its messages, texts and drops
 * returned — what the e2e tests check the diagram by.
 */
import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { expect } from 'vitest';

/** Arrow is one message line of an exported diagram. */
export interface Arrow {
  id: number;
  x1: number;
  y1: number;
  x2: number;
  y2: number;
  delivered: boolean;
}

/** clearance is how far the middle of `a` is from every other arrow (a click there can only mean `a`). */
export function clearance(a: Arrow, all: Arrow[]): number {
  const [px, py] = [(a.x1 + a.x2) / 2, (a.y1 + a.y2) / 2];
  let min = Infinity;
  for (const b of all) {
    if (b === a) continue;
    const [dx, dy] = [b.x2 - b.x1, b.y2 - b.y1];
    const len2 = dx * dx + dy * dy;
    const u = len2 === 0 ? 0 : Math.max(0, Math.min(1, ((px - b.x1) * dx + (py - b.y1) * dy) / len2));
    min = Math.min(min, Math.hypot(px - (b.x1 + u * dx), py - (b.y1 + u * dy)));
  }
  return min;
}

/** SvgSummary is what the page's DOMParser read from an exported SVG. */
export interface SvgSummary {
  error: string | null;
  texts: string[];
  drops: number;
  /** arrows: every message drawn, with its line. */
  arrows: Arrow[];
}

/** exportedSvg clicks Export SVG, takes the file the browser downloads, and parses it with the page's DOMParser. */
export async function exportedSvg(page: Page): Promise<SvgSummary> {
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('spacetime-export').click()]);
  expect(download.suggestedFilename()).toMatch(/^messages-\d+-\d+ms\.svg$/);
  const text = readFileSync((await download.path())!, 'utf8');
  return page.evaluate((doc: string) => {
    const svg = new DOMParser().parseFromString(doc, 'image/svg+xml');
    const err = svg.querySelector('parsererror');
    const lines = [...svg.querySelectorAll('g.msg')].map((g) => {
      const l = g.querySelector('line')!;
      const n = (a: string): number => Number(l.getAttribute(a));
      const delivered = g.classList.contains('delivered');
      return { id: Number(g.getAttribute('data-id')), x1: n('x1'), y1: n('y1'), x2: n('x2'), y2: n('y2'), delivered };
    });
    return {
      error: err ? (err.textContent ?? 'parse error') : svg.documentElement.nodeName === 'svg' ? null : 'not an svg',
      texts: [...svg.querySelectorAll('text, title')].map((t) => t.textContent ?? ''),
      drops: svg.querySelectorAll('path.drop').length,
      arrows: lines,
    };
  }, text);
}
