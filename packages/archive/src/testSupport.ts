import * as E from 'fp-ts/Either';
import * as fc from 'fast-check';
import { gzipSync } from 'node:zlib';
import { inMemoryEventStore, type LedgerEvent, type RecordedEvent } from '@grade-ledger/core';
import { buildSmallSchool } from '@grade-ledger/testing/school';
import { archiveText, type ArchiveChunks } from './writer';

/** A small school (one school year), built once per test file. */
export const smallSchool = async (seed = 7) => {
  const built = await buildSmallSchool({ seed, since: 2023, until: 2023 });
  if (E.isLeft(built)) throw new Error(built.left.message);
  return built.right;
};

export const textOf = async (source: Parameters<typeof archiveText>[0], pseudonymizer: Parameters<typeof archiveText>[1]['pseudonymizer'] = null): Promise<string> => {
  const written = await archiveText(source, { pseudonymizer });
  if (E.isLeft(written)) throw new Error(written.left.message);
  return written.right.text;
};

/** Recorded events renumbered 1..n in the given order, each stream's revisions from 0. */
export const renumbered = (events: ReadonlyArray<LedgerEvent & { readonly streamId?: never }> | ReadonlyArray<{ readonly streamId: string; readonly event: LedgerEvent }>): ReadonlyArray<RecordedEvent> => {
  const revisions = new Map<string, number>();
  return (events as ReadonlyArray<{ readonly streamId: string; readonly event: LedgerEvent }>).map((r, index) => {
    const revision = (revisions.get(r.streamId) ?? -1) + 1;
    revisions.set(r.streamId, revision);
    return { event: r.event, streamId: r.streamId, streamRevision: revision, globalPosition: index + 1 };
  });
};

export const emptyStore = () => inMemoryEventStore();

/** An archive's lines, each with its newline (the last without, if the bytes end without one). */
export const splitLines = (bytes: Buffer): Buffer[] => {
  const out: Buffer[] = [];
  let start = 0;
  for (let i = bytes.indexOf(0x0a); i >= 0; i = bytes.indexOf(0x0a, i + 1)) {
    out.push(bytes.subarray(start, i + 1));
    start = i + 1;
  }
  if (start < bytes.length) out.push(bytes.subarray(start));
  return out;
};

/** A place in the archive, as a fraction of its bytes or of its lines. */
export const fraction = fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true });

/**
 * The changes to an archive's bytes or lines that the worker laws (verify's, the re-export's)
 * take for granted: a byte, a line removed, repeated, swapped or moved, garbage, a cut, the
 * archive twice over. Each law's tests add changes of their own.
 */
export type ArchiveChange =
  | { readonly kind: 'none' }
  | { readonly kind: 'byte'; readonly at: number; readonly byte: number }
  | { readonly kind: 'remove' | 'duplicate' | 'swap'; readonly line: number }
  | { readonly kind: 'move'; readonly line: number; readonly to: number }
  | { readonly kind: 'garbage'; readonly at: number; readonly bytes: Uint8Array }
  | { readonly kind: 'cut'; readonly at: number }
  | { readonly kind: 'twice' };

export const archiveChange: ReadonlyArray<fc.Arbitrary<ArchiveChange>> = [
  fc.constant({ kind: 'none' } as const),
  fc.record({ kind: fc.constant('byte' as const), at: fraction, byte: fc.constantFrom(0x0a, 0x22, 0x7b, 0x20, 0x31, 0x78, 0xff, 0xc3) }),
  fc.record({ kind: fc.constantFrom('remove' as const, 'duplicate' as const, 'swap' as const), line: fraction }),
  fc.record({ kind: fc.constant('move' as const), line: fraction, to: fraction }),
  fc.record({ kind: fc.constant('garbage' as const), at: fraction, bytes: fc.uint8Array({ minLength: 1, maxLength: 40 }) }),
  fc.record({ kind: fc.constant('cut' as const), at: fraction }),
  fc.constant({ kind: 'twice' } as const),
];

/** The archive with the change made. */
export const withArchiveChange = (archive: Buffer, c: ArchiveChange): Buffer => {
  const lines = splitLines(archive);
  const pick = (f: number): number => Math.floor(f * lines.length);
  switch (c.kind) {
    case 'none':
      return archive;
    case 'byte': {
      const copy = Buffer.from(archive);
      copy[Math.floor(c.at * copy.length)] = c.byte;
      return copy;
    }
    case 'remove':
      lines.splice(pick(c.line), 1);
      return Buffer.concat(lines);
    case 'duplicate': {
      const at = pick(c.line);
      lines.splice(at, 0, lines[at] as Buffer);
      return Buffer.concat(lines);
    }
    case 'swap': {
      const at = Math.min(pick(c.line), lines.length - 2);
      [lines[at], lines[at + 1]] = [lines[at + 1] as Buffer, lines[at] as Buffer];
      return Buffer.concat(lines);
    }
    case 'move': {
      const [moved] = lines.splice(pick(c.line), 1);
      lines.splice(pick(c.to), 0, moved as Buffer);
      return Buffer.concat(lines);
    }
    case 'garbage': {
      const at = Math.floor(c.at * archive.length);
      return Buffer.concat([archive.subarray(0, at), c.bytes, archive.subarray(at)]);
    }
    case 'cut':
      return archive.subarray(0, Math.floor(c.at * archive.length));
    case 'twice':
      // Over a thousand lines after the manifest (the format findings' cap), where the archive has that many.
      return Buffer.concat([archive, archive]);
  }
};

/** The bytes in pieces cut at the given fractions (a line may span pieces), gzipped or not. */
export const piecesOf = (bytes: Buffer, cuts: ReadonlyArray<number>, gzip: boolean): Buffer[] => {
  const whole = gzip ? gzipSync(bytes) : bytes;
  const at = [...new Set(cuts.map((f) => Math.floor(f * whole.length)))].sort((x, y) => x - y);
  return [0, ...at].map((start, i) => whole.subarray(start, at[i] ?? whole.length)).filter((p) => p.length > 0);
};

/** An archive's chunks read to the end, with its result. */
export const drained = async (made: ArchiveChunks<Buffer>) => {
  const parts: Buffer[] = [];
  for await (const part of made.chunks) parts.push(part);
  return { bytes: Buffer.concat(parts), result: await made.result };
};
