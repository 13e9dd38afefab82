import * as E from 'fp-ts/Either';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { exampleEvents, renderExample } from './example';
import { verifyArchive } from './verify';
import { archiveText } from './writer';

const docPath = fileURLToPath(new URL('../../../docs/archive-format.md', import.meta.url));

/** The digests of the example, computed from the definition (not by the writer's helpers). */
const digestsOf = (text: string): string[] => {
  const lines = text.split('\n').slice(0, -1);
  const digests = [createHash('sha256').update(lines[0] as string, 'utf8').digest()];
  for (const line of lines.slice(1)) {
    const parsed = JSON.parse(line) as Record<string, unknown>;
    // The body is the line without its digest member: `{` + the rest after `{"digest":"<hex>",`.
    const body = `{${line.slice(77)}`;
    const digest = createHash('sha256').update(digests[digests.length - 1] as Buffer).update(body, 'utf8').digest();
    expect(parsed.digest).toBe(digest.toString('hex'));
    digests.push(digest);
  }
  return digests.map((d) => d.toString('hex'));
};

it('docs/archive-format.md shows the worked example exactly as the writer writes it, with its digests', async () => {
  const written = await archiveText(exampleEvents, { pseudonymizer: null });
  if (E.isLeft(written)) throw new Error(written.left.message);
  const { text, manifest } = written.right;
  const digests = digestsOf(text);
  expect(manifest.finalDigest).toBe(digests[2]);
  expect((await verifyArchive([text])).findings).toEqual([]);
  const doc = await readFile(docPath, 'utf8');
  const block = /<!-- example:start -->\n([\s\S]*?)\n<!-- example:end -->/.exec(doc)?.[1];
  expect(block).toBe(renderExample(text, digests));
});
