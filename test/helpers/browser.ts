// Browser tests: Debian's chromium driven by playwright-core (no browser
// download: ENGINEERING.md §4), the test app served on a real port, pages
// other origins serve (to embed ours in a frame), screenshots kept as test
// artifacts and an axe-core accessibility check run inside the page.
import { mkdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { once } from 'node:events';
import { createRequire } from 'node:module';
import path from 'node:path';
import { serve } from '@hono/node-server';
import { chromium, type Browser, type BrowserContextOptions, type Page } from 'playwright-core';
import type { TestApp } from './app.js';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Where screenshots go (git-ignored; CI keeps the folder as an artifact). */
export const SCREENSHOT_DIR = path.resolve('test-artifacts', 'screenshots');

/** A browser test's own, generous timeout: chromium starts in seconds on a loaded 2-core machine. */
export const BROWSER_TEST_TIMEOUT_MS = 120_000;

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}

export interface ServedOrigin {
  /** e.g. http://127.0.0.1:40123 (no trailing slash) */
  url: string;
  close(): Promise<void>;
}

/**
 * Serves the test app over real HTTP on 127.0.0.1 (a free port), as the
 * API process does (@hono/node-server), so a browser can reach it and the
 * client address is the socket's.
 */
export async function serveTestApp(t: TestApp): Promise<ServedOrigin> {
  const server = serve({ fetch: t.app.fetch, port: 0, hostname: '127.0.0.1' }) as Server;
  if (!server.listening) await once(server, 'listening');
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}`, close: () => closeServer(server) };
}

/**
 * Another origin serving fixed pages by path (e.g. a customer's site with an
 * iframe of ours). `host` picks the origin's name: 'localhost' and
 * '127.0.0.1' are different origins to the browser even on one machine.
 */
export async function serveOtherOrigin(pages: Record<string, string>, host: 'localhost' | '127.0.0.1' = 'localhost'): Promise<ServedOrigin> {
  const server = createServer((req, res) => {
    const page = pages[new URL(req.url ?? '/', 'http://x').pathname];
    res.writeHead(page === undefined ? 404 : 200, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end(page ?? 'not found');
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  return { url: `http://${host}:${port}`, close: () => closeServer(server) };
}

function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

/** Saves a full-page PNG as test-artifacts/screenshots/<name>.png and answers its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const file = path.join(SCREENSHOT_DIR, `${name.replace(/[^a-z0-9._-]+/gi, '-')}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

export interface AccessibilityViolation {
  id: string;
  impact: string;
  help: string;
  /** CSS selectors of the offending elements */
  targets: string[];
}

const axeSource = () => readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/**
 * Runs axe-core (WCAG 2.x A and AA rules) in the page and answers the
 * serious and critical violations. The page's CSP allows no script: the
 * check runs with the browser context's bypassCSP (newAccessibleContext).
 */
export async function checkAccessibility(page: Page): Promise<AccessibilityViolation[]> {
  await page.addScriptTag({ content: axeSource() });
  const results = await page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run(context: unknown, options: unknown): Promise<{ violations: any[] }> } }).axe;
    const { violations } = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] } });
    return violations.map((v) => ({ id: v.id, impact: v.impact ?? 'unknown', help: v.help, targets: v.nodes.map((n: any) => String(n.target)) }));
  });
  return results.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

/**
 * A browser context whose pages can be checked by checkAccessibility: CSP
 * bypassed only for the injected axe script. Tests of the CSP itself (frame
 * blocking) must use a plain browser.newContext().
 */
export const newAccessibleContext = (browser: Browser, options: BrowserContextOptions = {}) => browser.newContext({ ...options, bypassCSP: true });
