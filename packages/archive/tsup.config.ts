import { defineConfig } from 'tsup';
import { libraryBuild } from '../../tsup.shared';

// The verify worker is an entry of its own: verifyPool.ts starts dist/verifyWorker.js (or .cjs)
// beside the library, found from import.meta.url (shimmed in the CJS build).
export default defineConfig({ ...libraryBuild, entry: ['src/index.ts', 'src/verifyWorker.ts'], shims: true });
