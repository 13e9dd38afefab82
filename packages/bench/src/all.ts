/**
 * `pnpm bench` of this package: the replay benchmark, then the archive benchmark, then the
 * personal-data benchmark, each given the same arguments (`--quick`, ...), so that a flag reaches
 * every one (a `a && b` script would pass it to b only).
 */
import { spawnSync } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
for (const script of ['replay.ts', 'archive.ts', 'people.ts']) {
  const run = spawnSync(process.execPath, [...process.execArgv, resolve(here, script), ...process.argv.slice(2)], { stdio: 'inherit' });
  if (run.status !== 0) {
    process.exitCode = run.status ?? 1;
    break;
  }
}
