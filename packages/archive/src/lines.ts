import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';

/** One line of an archive as read: its 1-based number and its bytes (without the newline). */
export type RawLine = {
  readonly lineNumber: number;
  readonly bytes: Buffer;
  /** The line was longer than the limit: `bytes` holds its start only. */
  readonly tooLong: boolean;
  /** The input ended without a newline after this line. */
  readonly unterminated: boolean;
};

/** Lines longer than this are cut and reported, so that garbage input cannot exhaust memory. */
export const MAX_LINE_BYTES = 4 * 1024 * 1024;

const GZIP_MAGIC = [0x1f, 0x8b] as const;

const toBuffer = (chunk: unknown): Buffer =>
  Buffer.isBuffer(chunk) ? chunk : chunk instanceof Uint8Array ? Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength) : Buffer.from(String(chunk), 'utf8');

/** Bytes to read: a file stream, an array of buffers, a string... */
export type ByteSource = AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>;

const iteratorOf = (source: ByteSource): AsyncIterator<Uint8Array | string> | Iterator<Uint8Array | string> =>
  Symbol.asyncIterator in source ? source[Symbol.asyncIterator]() : source[Symbol.iterator]();

/** The bytes of a source, gunzipped when they start with the gzip magic number. */
export async function* decompressed(source: ByteSource): AsyncIterable<Buffer> {
  if (typeof source === 'string') source = [source];
  const iterator = iteratorOf(source);
  let first: Buffer = Buffer.alloc(0);
  // Enough bytes to see the magic number (a chunk may be a single byte).
  while (first.length < 2) {
    const next = await iterator.next();
    if (next.done === true) break;
    first = Buffer.concat([first, toBuffer(next.value)]);
  }
  const rest = async function* (): AsyncIterable<Buffer> {
    if (first.length > 0) yield first;
    for (;;) {
      const next = await iterator.next();
      if (next.done === true) return;
      yield toBuffer(next.value);
    }
  };
  if (first[0] === GZIP_MAGIC[0] && first[1] === GZIP_MAGIC[1]) {
    for await (const chunk of Readable.from(rest()).pipe(createGunzip())) yield chunk as Buffer;
  } else yield* rest();
}

/**
 * Splits bytes into lines at "\n" (0x0A), keeping each line's exact bytes (a digest is over
 * bytes, not over a decoded string), and hands them over a chunk's worth at a time (one
 * await per chunk, not per line). Memory: one chunk plus one line, at most MAX_LINE_BYTES.
 */
export async function* rawLineBatches(source: ByteSource, maxLineBytes = MAX_LINE_BYTES): AsyncIterable<ReadonlyArray<RawLine>> {
  let lineNumber = 0;
  let parts: Buffer[] = [];
  let partsLength = 0;
  let tooLong = false;
  const take = (piece: Buffer): void => {
    if (tooLong) return;
    if (partsLength + piece.length > maxLineBytes) {
      parts.push(piece.subarray(0, maxLineBytes - partsLength));
      partsLength = maxLineBytes;
      tooLong = true;
      return;
    }
    parts.push(piece);
    partsLength += piece.length;
  };
  const flush = (unterminated: boolean): RawLine => {
    lineNumber += 1;
    const bytes = parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts, partsLength);
    const line = { lineNumber, bytes, tooLong, unterminated };
    parts = [];
    partsLength = 0;
    tooLong = false;
    return line;
  };
  for await (const chunk of decompressed(source)) {
    const batch: RawLine[] = [];
    let start = 0;
    for (;;) {
      const end = chunk.indexOf(0x0a, start);
      if (end < 0) break;
      if (partsLength === 0 && !tooLong && end - start <= maxLineBytes) {
        // The common case: the whole line lies in this chunk.
        lineNumber += 1;
        batch.push({ lineNumber, bytes: chunk.subarray(start, end), tooLong: false, unterminated: false });
      } else {
        take(chunk.subarray(start, end));
        batch.push(flush(false));
      }
      start = end + 1;
    }
    if (start < chunk.length) take(chunk.subarray(start));
    if (batch.length > 0) yield batch;
  }
  if (partsLength > 0 || tooLong) yield [flush(true)];
}

/** The lines of a source one by one (see rawLineBatches). */
export async function* rawLines(source: ByteSource, maxLineBytes = MAX_LINE_BYTES): AsyncIterable<RawLine> {
  for await (const batch of rawLineBatches(source, maxLineBytes)) yield* batch;
}
