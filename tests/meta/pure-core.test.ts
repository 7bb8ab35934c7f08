/**
 * lib/page runs in the page's MAIN world, lib/model is the pure core and lib/dump runs in a worker and in Node: none may import an extension or UI
 * package (they would not exist there, or would tie pure code to a runtime). This walks every import of every
 * file they reach and fails on any such package, or on a relative import leaving the allowed folders.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(__dirname, '../..');
const FORBIDDEN = [/^wxt(\/|$)/, /^@wxt-dev\//, /^webextension-polyfill$/, /^idb(\/|$)/, /^preact(\/|$)/, /^uplot(\/|$)/, /^#imports$/];
/** Where pure code may reach with relative imports. */
const ALLOWED_DIRS = ['lib/page', 'lib/model', 'lib/protocol', 'lib/dump'];
/** Extension globals that must not be used either (no import needed to reach them). */
const FORBIDDEN_GLOBALS = /\b(chrome|browser)\.(runtime|storage|tabs|devtools)\b/;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourceFiles(path) : /\.tsx?$/.test(name) ? [path] : [];
  });
}

function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specs: string[] = [];
  for (const match of text.matchAll(/(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\s*\(\s*['"]([^'"]+)['"]\s*\)|import\s+['"]([^'"]+)['"]/g)) {
    specs.push(match[1] ?? match[2] ?? match[3]);
  }
  return specs;
}

// lib/protocol too: the others import it, so a package imported there would reach them.
describe.each(['lib/page', 'lib/model', 'lib/protocol', 'lib/dump'])('%s stays pure', (dir) => {
  const files = sourceFiles(join(root, dir));

  it('has source files to check', () => {
    expect(files.length).toBeGreaterThan(0);
  });

  it.each(files.map((f) => [relative(root, f), f]))('%s imports no extension or UI package', (_name, file) => {
    for (const spec of importsOf(file)) {
      expect(FORBIDDEN.some((re) => re.test(spec)), `${spec} in ${file}`).toBe(false);
      if (spec.startsWith('.')) {
        const target = relative(root, resolve(dirname(file), spec));
        expect(ALLOWED_DIRS.some((d) => target.startsWith(d + '/') || target === d), `${spec} → ${target}`).toBe(true);
      }
    }
    expect(readFileSync(file, 'utf8')).not.toMatch(FORBIDDEN_GLOBALS);
  });
});

describe('the meta-test itself', () => {
  it('recognises a forbidden import', () => {
    const spec = "import { openDB } from 'idb';".match(/from\s*['"]([^'"]+)['"]/)![1];
    expect(FORBIDDEN.some((re) => re.test(spec))).toBe(true);
  });
});
