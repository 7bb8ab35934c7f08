// Small shared helpers for end-to-end scripts: polling waits (never fixed sleeps), timed steps, builds.
import { spawnSync } from 'node:child_process';
import { existsSync, statSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './server.mjs';

export { REPO_ROOT };
export const CHROME_BUILD = join(REPO_ROOT, '.output/chrome-mv3');
export const FIREFOX_BUILD = join(REPO_ROOT, '.output/firefox-mv3');

/**
 * Poll `fn` until it returns a truthy value (returned), or throw after `timeout` ms. Exceptions thrown by `fn`
 * count as "not yet" (the last one is reported on timeout).
 * @template T
 * @param {() => T | Promise<T>} fn
 * @param {{ timeout?: number, interval?: number, what?: string }} [options]
 * @returns {Promise<T>}
 */
export async function waitFor(fn, { timeout = 15_000, interval = 100, what = 'condition' } = {}) {
  const end = Date.now() + timeout;
  let last;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > end) {
      throw new Error(`timed out after ${timeout} ms waiting for ${what}${last ? `: ${last.message}` : ''}`);
    }
    await new Promise((r) => setTimeout(r, interval));
  }
}

/** Reject with a clear message if `promise` takes longer than `ms`. */
export function withTimeout(promise, ms, what = 'operation') {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, fail) => {
      timer = setTimeout(() => fail(new Error(`${what} took longer than ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/**
 * Run a named, timed step; logs `  ✓ name (123 ms)` or `  ✗ name` and rethrows.
 * @template T @param {string} name @param {() => Promise<T>} fn @returns {Promise<T>}
 */
export async function step(name, fn) {
  const t0 = performance.now();
  try {
    const v = await fn();
    console.log(`  ✓ ${name} (${Math.round(performance.now() - t0)} ms)`);
    return v;
  } catch (err) {
    console.log(`  ✗ ${name} (${Math.round(performance.now() - t0)} ms)`);
    throw err;
  }
}

/** Newest mtime (ms) of the files under `dir` (recursive); 0 when missing. */
function newestMtime(dir) {
  if (!existsSync(dir)) return 0;
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

/**
 * Make sure an extension build exists. Builds when it is missing or older than the sources (entrypoints/,
 * lib/, components/, public/, wxt.config.ts), or always when `force`. `npm test` builds first anyway; this makes
 * a single e2e script runnable on its own.
 * @param {'chrome' | 'firefox'} target
 */
export function ensureBuild(target, { force = false } = {}) {
  const out = target === 'chrome' ? CHROME_BUILD : FIREFOX_BUILD;
  const built = existsSync(join(out, 'manifest.json')) ? statSync(join(out, 'manifest.json')).mtimeMs : 0;
  const sources = Math.max(
    ...['entrypoints', 'lib', 'components', 'public', 'assets'].map((d) => newestMtime(join(REPO_ROOT, d))),
    existsSync(join(REPO_ROOT, 'wxt.config.ts')) ? statSync(join(REPO_ROOT, 'wxt.config.ts')).mtimeMs : 0,
  );
  if (!force && built && built >= sources) return out;
  const args = target === 'chrome' ? ['wxt', 'build'] : ['wxt', 'build', '-b', 'firefox', '--mv3'];
  console.log(`[build] npx ${args.join(' ')}`);
  const r = spawnSync('npx', args, { cwd: REPO_ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0) throw new Error(`build failed: npx ${args.join(' ')} (exit ${r.status})`);
  return out;
}
