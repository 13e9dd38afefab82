import type { Options } from 'tsup';

/**
 * fp-ts 2 has no `exports` map, so Node's ESM loader refuses `import 'fp-ts/Either'` (a
 * directory). The builds point each such import at the module file itself, which both `import`
 * and `require` load.
 */
const fpTsSubpaths: NonNullable<Options['esbuildPlugins']>[number] = {
  name: 'fp-ts-subpaths',
  setup(build) {
    build.onResolve({ filter: /^fp-ts\/[A-Za-z]+$/ }, (args) => ({
      path: `fp-ts/lib/${args.path.slice('fp-ts/'.length)}.js`,
      external: true,
    }));
  },
};

/** The options every package's library build shares: ESM + CJS + .d.ts for Node 20. */
export const libraryBuild: Options = {
  entry: ['src/index.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
  // tsup would mark fp-ts external untouched; leave it to the plugin, which rewrites the path.
  noExternal: [/^fp-ts\//],
  esbuildPlugins: [fpTsSubpaths],
};

export const binaryBuild = (entry: string): Options => ({
  entry: [entry],
  format: ['esm'],
  sourcemap: true,
  target: 'node20',
  banner: { js: '#!/usr/bin/env node' },
  noExternal: [/^fp-ts\//],
  esbuildPlugins: [fpTsSubpaths],
});
