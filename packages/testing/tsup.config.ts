import { defineConfig } from 'tsup';
import { libraryBuild } from '../../tsup.shared';

// `./school` and `./workload` are their own entries so that a program using only the school builder (the CLI's
// demo, the benchmarks) does not load fast-check, which the arbitraries need.
export default defineConfig({ ...libraryBuild, entry: { index: 'src/index.ts', school: 'src/school/index.ts', workload: 'src/workload/index.ts' } });
