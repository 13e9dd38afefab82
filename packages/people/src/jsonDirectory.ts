import { randomUUID } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';

/*
 * A directory of small JSON files, one per person, each written atomically: to a temporary
 * file, flushed to disk, then renamed over the old one. A crash leaves either the old file or
 * the new one, never half of one (and, at worst, a `.<uuid>.tmp` file beside them: a write that
 * fails removes its temporary file, a crash cannot). File names are the hex of the person id (ids may hold ':').
 */

export type JsonDirectory = {
  readonly read: (id: string) => Promise<unknown | undefined>;
  readonly write: (id: string, value: unknown) => Promise<void>;
  readonly remove: (id: string) => Promise<void>;
  readonly ids: () => Promise<ReadonlyArray<string>>;
};

const SUFFIX = '.json';

const fileOf = (dir: string, id: string): string => join(dir, `${Buffer.from(id, 'utf8').toString('hex')}${SUFFIX}`);

export const jsonDirectory = (dir: string): JsonDirectory => {
  let ready: Promise<void> | undefined;
  const ensure = () => (ready ??= mkdir(dir, { recursive: true, mode: 0o700 }).then(() => undefined));
  return {
    read: async (id) => {
      await ensure();
      try {
        return JSON.parse(await readFile(fileOf(dir, id), 'utf8')) as unknown;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw error;
      }
    },
    write: async (id, value) => {
      await ensure();
      const target = fileOf(dir, id);
      const temporary = join(dir, `.${randomUUID()}.tmp`);
      const handle = await open(temporary, 'w', 0o600);
      try {
        try {
          await handle.writeFile(JSON.stringify(value), 'utf8');
          await handle.sync();
        } finally {
          await handle.close();
        }
        await rename(temporary, target);
      } catch (error) {
        // The temporary file may hold a key: a failed write must not leave it behind.
        await rm(temporary, { force: true });
        throw error;
      }
    },
    remove: async (id) => {
      await ensure();
      await rm(fileOf(dir, id), { force: true });
    },
    ids: async () => {
      await ensure();
      return (await readdir(dir))
        .filter((name) => name.endsWith(SUFFIX) && !name.startsWith('.'))
        .map((name) => Buffer.from(name.slice(0, -SUFFIX.length), 'hex').toString('utf8'));
    },
  };
};
