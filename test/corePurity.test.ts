/**
 * The core does no I/O and reads no clock or randomness: time, ids and storage come in as
 * arguments or ports, so that a decision or a grade recomputed years later gives the same
 * result. This test reads every non-test source file of packages/core/src and fails on a
 * forbidden import or call, printing the file and line of each finding.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CORE_SRC = join(ROOT, 'packages', 'core', 'src');

/** Node modules the core must not import: files, network, processes, threads, the OS, and crypto (randomness). */
const FORBIDDEN_MODULES = [
  'fs',
  'fs/promises',
  'path',
  'net',
  'http',
  'https',
  'http2',
  'dgram',
  'dns',
  'tls',
  'child_process',
  'cluster',
  'worker_threads',
  'os',
  'crypto',
  'process',
  'perf_hooks',
  'timers',
  'timers/promises',
  'readline',
  'vm',
];
const moduleName = String.raw`(?:node:[^'"]+|${FORBIDDEN_MODULES.map((m) => m.replace('/', '\\/')).join('|')})`;

type Rule = { readonly name: string; readonly pattern: RegExp };

const RULES: ReadonlyArray<Rule> = [
  { name: 'import of a Node module', pattern: new RegExp(String.raw`\bfrom\s*['"]${moduleName}['"]`) },
  { name: 'import of a Node module', pattern: new RegExp(String.raw`\bimport\s*['"]${moduleName}['"]`) },
  { name: 'dynamic import of a Node module', pattern: new RegExp(String.raw`\bimport\s*\(\s*['"]${moduleName}['"]`) },
  { name: 'require of a Node module', pattern: new RegExp(String.raw`\brequire\s*\(\s*['"]${moduleName}['"]`) },
  { name: 'clock: Date.now()', pattern: /\bDate\s*\.\s*now\s*\(/ },
  { name: 'clock: new Date() without arguments', pattern: /\bnew\s+Date\s*\(\s*\)/ },
  { name: 'clock: Date() called as a function', pattern: /(?<![\w.$]|new\s)Date\s*\(\s*\)/ },
  { name: 'clock: performance.now()', pattern: /\bperformance\s*\.\s*now\s*\(/ },
  { name: 'randomness: Math.random()', pattern: /\bMath\s*\.\s*random\s*\(/ },
  { name: 'randomness: crypto', pattern: /\bcrypto\s*\.\s*(?:randomUUID|getRandomValues|randomBytes|randomInt|subtle)\b/ },
  { name: 'process environment: process.', pattern: /(?<![\w$])process\s*\./ },
  { name: 'timer: setTimeout()', pattern: /\bsetTimeout\s*\(/ },
  { name: 'timer: setInterval()', pattern: /\bsetInterval\s*\(/ },
  { name: 'timer: setImmediate()', pattern: /\bsetImmediate\s*\(/ },
];

/**
 * Blanks out comments, keeping line breaks (so line numbers stay right) and string literals
 * (so `import ... from 'node:fs'` is still seen). Regex literals and template expressions are
 * treated as code, which is good enough for the core's sources: a missed comment only risks a
 * false finding, never a missed one in code.
 */
export const stripComments = (source: string): string => {
  let out = '';
  let i = 0;
  let quote: string | null = null;
  while (i < source.length) {
    const c = source[i]!;
    const next = source[i + 1];
    if (quote !== null) {
      out += c;
      if (c === '\\' && next !== undefined) {
        out += next;
        i += 2;
        continue;
      }
      if (c === quote || (c === '\n' && quote !== '`')) quote = null;
      i++;
    } else if (c === '/' && next === '/') {
      while (i < source.length && source[i] !== '\n') {
        out += ' ';
        i++;
      }
    } else if (c === '/' && next === '*') {
      const end = source.indexOf('*/', i + 2);
      const stop = end === -1 ? source.length : end + 2;
      out += source.slice(i, stop).replace(/[^\n]/g, ' ');
      i = stop;
    } else {
      if (c === "'" || c === '"' || c === '`') quote = c;
      out += c;
      i++;
    }
  }
  return out;
};

export type Finding = { readonly file: string; readonly line: number; readonly rule: string; readonly text: string };

/** Every forbidden import or call in one source text. */
export const scanSource = (file: string, source: string): ReadonlyArray<Finding> => {
  const original = source.split('\n');
  return stripComments(source)
    .split('\n')
    .flatMap((code, index) =>
      RULES.filter((rule) => rule.pattern.test(code)).map((rule) => ({ file, line: index + 1, rule: rule.name, text: (original[index] ?? '').trim() })),
    );
};

const sourceFiles = (dir: string): ReadonlyArray<string> =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') && !entry.name.endsWith('.d.ts') ? [path] : [];
  });

const show = (findings: ReadonlyArray<Finding>): string => findings.map((f) => `${f.file}:${f.line}: ${f.rule}: ${f.text}`).join('\n');

describe('the core is pure', () => {
  const files = sourceFiles(CORE_SRC);

  it('scans the whole core', () => {
    const names = files.map((f) => relative(CORE_SRC, f));
    for (const expected of ['index.ts', 'classJournal/decide.ts', 'eventStore/inMemoryEventStore.ts', 'commandHandling/commandHandler.ts', 'events/decodeEvent.ts'])
      expect(names).toContain(expected);
    expect(names.some((n) => n.endsWith('.test.ts'))).toBe(false);
  });

  it('has no I/O, clock, randomness, process or timer in any source file', () => {
    const findings = files.flatMap((file) => scanSource(relative(ROOT, file), readFileSync(file, 'utf8')));
    if (findings.length > 0) console.error(`forbidden in packages/core/src:\n${show(findings)}`);
    expect(show(findings)).toBe('');
  });
});

describe('the purity scanner', () => {
  const planted = [
    "import { readFileSync } from 'node:fs';", // 1
    "import * as os from 'os';", // 2
    "import { randomUUID } from 'crypto';", // 3
    "import 'node:worker_threads';", // 4
    "const http = await import('https');", // 5
    "const cp = require('child_process');", // 6
    'export const now = () => Date.now();', // 7
    'export const today = () => new Date().toISOString();', // 8
    'export const id = () => Math.random().toString(36);', // 9
    'const level = process.env.LOG_LEVEL;', // 10
    'const t0 = performance.now();', // 11
    'setTimeout(() => undefined, 10);', // 12
    'const uuid = crypto.randomUUID();', // 13
    "import { x } from 'fs/promises';", // 14
    'const stamp = Date();', // 15
  ].join('\n');

  it('catches each planted forbidden import and call, with its line', () => {
    const findings = scanSource('planted.ts', planted);
    expect([...new Set(findings.map((f) => f.line))]).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]);
    expect(findings[0]).toEqual({ file: 'planted.ts', line: 1, rule: 'import of a Node module', text: "import { readFileSync } from 'node:fs';" });
    expect(show(findings)).toContain('planted.ts:7: clock: Date.now()');
  });

  it('allows what the core does use: dates from arguments, parsing, ids in text', () => {
    const allowed = [
      'const day = new Date(Date.UTC(2020, 0, 1));',
      "const t = Date.parse('2021-03-15T08:30:00Z');",
      "import * as t from 'io-ts';",
      "import { pipe } from 'fp-ts/function';",
      "import { osClass } from './os';",
      'const subprocess = { run: 1 }; subprocess.run;',
      'const upDate = (x: number) => x; upDate(1);',
      '// Date.now() is never called: the clock is a port',
      '/* Math.random() would make ids unrepeatable */',
      "const url = 'https://example.kz'; // setTimeout( in a comment",
    ].join('\n');
    expect(scanSource('allowed.ts', allowed)).toEqual([]);
  });

  it('keeps line numbers right across block comments', () => {
    const source = ['/**', ' * Date.now()', ' */', 'const x = Math.random();'].join('\n');
    expect(scanSource('f.ts', source)).toMatchObject([{ line: 4, rule: 'randomness: Math.random()' }]);
  });
});
