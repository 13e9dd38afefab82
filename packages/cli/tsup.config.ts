import { defineConfig } from 'tsup';
import { binaryBuild, libraryBuild } from '../../tsup.shared';

// The bin is a separate entry without `clean`, so it does not wipe the library build.
export default defineConfig([libraryBuild, binaryBuild('src/bin.ts')]);
