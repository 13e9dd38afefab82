/** What the benchmarks of this package share: the rule sets, GC, number formats, the machine, the docs file. */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSync } from 'esbuild';
import * as E from 'fp-ts/Either';
import { kazakhstanRuleSets, type RuleSet } from '@grade-ledger/core';

const docsPath = resolve(dirname(fileURLToPath(import.meta.url)), '../../../docs/benchmarks.md');

/** The shipped Kazakhstan rule sets (valid by construction; a failure here is a bug). */
export const shippedRuleSets: ReadonlyArray<RuleSet> = (() => {
  const shipped = kazakhstanRuleSets();
  if (E.isLeft(shipped)) throw new Error(shipped.left.message);
  return shipped.right;
})();

/** Two full collections, when the process runs with --expose-gc. */
export const gc = (): void => {
  const collect = (globalThis as { gc?: () => void }).gc;
  if (collect !== undefined) {
    collect();
    collect();
  }
};

export const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(0)} MB`;
export const int = (n: number): string => Math.round(n).toLocaleString('en-US');

/** CPU model, cores, memory, Node version and platform, for the results table. */
export const machine = (): string => {
  const info = existsSync('/proc/cpuinfo') ? readFileSync('/proc/cpuinfo', 'utf8') : '';
  const model = /model name\s*:\s*(.+)/.exec(info)?.[1]?.trim() ?? cpus()[0]?.model ?? 'unknown CPU';
  return `${model}, ${cpus().length} cores, ${(totalmem() / 1024 ** 3).toFixed(0)} GB memory, Node ${process.version}, ${process.platform}-${process.arch}`;
};

/**
 * Replaces the text between `<!-- bench:NAME:start -->` and `<!-- bench:NAME:end -->` in
 * docs/benchmarks.md (re-read just before writing). Markers not there yet go before the
 * `before` section's start marker if that exists, else at the end.
 */
export const writeBenchmarkSection = (name: string, section: string, before?: string): void => {
  const startMarker = `<!-- bench:${name}:start -->`;
  const endMarker = `<!-- bench:${name}:end -->`;
  const block = `${startMarker}\n${section.trim()}\n${endMarker}`;
  const current = existsSync(docsPath)
    ? readFileSync(docsPath, 'utf8')
    : '# Benchmarks\n\nFigures from `pnpm bench`. Each benchmark writes its own section between its markers.\n';
  const start = current.indexOf(startMarker);
  const end = current.indexOf(endMarker);
  let next: string;
  if (start >= 0 && end > start) next = current.slice(0, start) + block + current.slice(end + endMarker.length);
  else {
    const at = before === undefined ? -1 : current.indexOf(`<!-- bench:${before}:start -->`);
    next = at >= 0 ? `${current.slice(0, at)}${block}\n\n${current.slice(at)}` : `${current.trimEnd()}\n\n${block}\n`;
  }
  writeFileSync(docsPath, next);
};

/** The folder of each benchmark script's bundle (one per script and process). */
const bundles = new Map<string, string>();

/**
 * The script of `scriptUrl` (a benchmark's `import.meta.url`) bundled as plain JavaScript, as
 * the packages ship (tsup bundles them with the same esbuild): what a child process runs, so that
 * its memory is the library's and not tsx's (compiling TypeScript at load costs a process about
 * 40 MB of RSS). The workspace packages are bundled from their sources (the `source` condition),
 * so no build is needed first. The verify worker is bundled beside it as `verifyWorker.mjs`,
 * where `verifyPool` looks for it (beside its own module, here the bundle).
 */
export const childScript = (scriptUrl: string): string => {
  const script = fileURLToPath(scriptUrl);
  const done = bundles.get(script);
  if (done !== undefined) return done;
  const dir = mkdtempSync(join(tmpdir(), 'grade-ledger-bench-'));
  const out = join(dir, basename(script).replace(/\.ts$/, '.mjs'));
  const workerSource = resolve(dirname(script), '../../archive/src/verifyWorker.ts');
  buildSync({
    entryPoints: { [basename(out, '.mjs')]: script, verifyWorker: workerSource },
    outdir: dir,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    conditions: ['source'],
    // CommonJS dependencies (io-ts, fp-ts's CJS files) call require: give the ES module one.
    banner: { js: "import { createRequire as __benchRequire } from 'node:module'; const require = __benchRequire(import.meta.url);" },
    logLevel: 'warning',
  });
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  bundles.set(script, out);
  return out;
};

/**
 * Runs `args` (node's own flags, then a script and its arguments) in a child process of this
 * Node, and gives back what the child printed on its line `RESULT <json>`; rejects, naming `what`
 * and the end of its output, if it exits otherwise. Each benchmark measures its contenders in
 * children, so that one contender's heap never weighs on another's.
 */
export const runChild = <T>(args: ReadonlyArray<string>, what: string): Promise<T> =>
  new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const line = out.split('\n').find((l) => l.startsWith('RESULT '));
      if (code !== 0 || line === undefined) reject(new Error(`${what} exited ${code}: ${out.slice(-2000)}`));
      else resolvePromise(JSON.parse(line.slice('RESULT '.length)) as T);
    });
  });
