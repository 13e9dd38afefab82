import * as E from 'fp-ts/Either';
import { decodeEventFast, type RecordedEvent } from '@grade-ledger/core';
import { ArchiveHeaderCodec, chainHasher, DIGEST_PREFIX_LENGTH, genesisDigest, type ArchiveHeader, type ArchiveManifest } from './format';
import type { RawLine } from './lines';

/*
 * The steps of reading an archive line by line (readArchive.ts), kept apart so that the parallel
 * re-export (reexport.ts) takes the very same steps on the lines its workers leave to it. Not
 * part of the package's API.
 */

/** Reading stopped at a line that is not what the archive promised. */
export type ArchiveReadError = { readonly kind: 'ArchiveReadError'; readonly line: number; readonly message: string };

const readError = (line: number, message: string): ArchiveReadError => ({ kind: 'ArchiveReadError', line, message });

export const isArchiveReadError = (value: unknown): value is ArchiveReadError =>
  typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'ArchiveReadError';

/*
 * The messages of the reading errors, built here rather than where they are thrown: with these
 * template literals inside readArchive's generator, V8 promoted about 10 MB more of a one-year
 * archive's parsed lines to the old generation (19 MB against 8 MB, --trace-gc-nvp, 500k
 * events), garbage that then waits there for a full collection and so raises a replay's peak
 * heap. The cause inside V8 is not pinned down; the measure is.
 */
const afterManifest = (line: number, manifestLine: number): ArchiveReadError => readError(line, `line ${line} follows the manifest (line ${manifestLine}), which must be the last line; run grade-ledger verify for the details`);
const tooLong = (line: number): ArchiveReadError => readError(line, `line ${line} is too long`);
const notJson = (line: number): ArchiveReadError => readError(line, `line ${line} is not JSON`);
const brokenChain = (line: number): ArchiveReadError => readError(line, `line ${line}: the digest does not follow from the line before (changed, removed, inserted or moved lines); run grade-ledger verify for the details`);
const noFinalDigest = (line: number): ArchiveReadError => readError(line, `line ${line}: the manifest has no finalDigest`);
const notAnEvent = (line: number, message: string): ArchiveReadError => readError(line, `line ${line}: ${message}`);
const cutShort = (lines: number): ArchiveReadError => readError(lines + 1, `the archive ends after line ${lines} without its manifest: it was cut short`);

/** The error a reading ends with: an ArchiveReadError as it is, anything else thrown after line `lines`. */
export const failedAfter = (lines: number, error: unknown): ArchiveReadError =>
  isArchiveReadError(error) ? error : readError(lines, `reading failed after line ${lines}: ${error instanceof Error ? error.message : String(error)}`);

/** Where a reading stands: the chain digest so far (hex), the header, the last line begun, the manifest once read. */
export type ReadingState = {
  previous: string;
  header: ArchiveHeader | undefined;
  lines: number;
  manifest: { readonly line: number; readonly value: ArchiveManifest } | undefined;
  readonly hasher: ReturnType<typeof chainHasher>;
};

export const readingState = (): ReadingState => ({ previous: '', header: undefined, lines: 0, manifest: undefined, hasher: chainHasher() });

/**
 * Reads the next line: the chain, JSON and schema checked. Gives the event of an event line,
 * undefined for the header and the manifest; throws an ArchiveReadError where the line is not
 * what the archive promised (or what JSON.parse threw on a header: see `failedAfter`).
 */
export const readLine = (state: ReadingState, line: RawLine): (RecordedEvent & { readonly line: number }) | undefined => {
  const lines = line.lineNumber;
  state.lines = lines;
  // The manifest is the last line: anything after it was appended to the archive.
  if (state.manifest !== undefined) throw afterManifest(lines, state.manifest.line);
  if (line.tooLong) throw tooLong(lines);
  if (lines === 1) {
    const decoded = ArchiveHeaderCodec.decode(JSON.parse(line.bytes.toString('utf8')));
    if (E.isLeft(decoded)) throw readError(1, 'line 1 is not a grade-ledger archive header (format version 1)');
    state.header = decoded.right;
    state.previous = genesisDigest(line.bytes).toString('hex');
    return undefined;
  }
  const text = line.bytes.toString('utf8');
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw notJson(lines);
  }
  // The line's stated digest (its fixed prefix, which is the parsed "digest" member when the line
  // has that prefix) compared byte by byte with the one computed.
  const digest = line.bytes.length > DIGEST_PREFIX_LENGTH && typeof parsed.digest === 'string' ? state.hasher.follows(state.previous, line.bytes) : undefined;
  if (digest === undefined || parsed.digest !== digest) throw brokenChain(lines);
  state.previous = digest;
  if (parsed.kind === 'manifest') {
    const { digest: _d, ...members } = parsed;
    if (members.finalDigest === undefined) throw noFinalDigest(lines);
    state.manifest = { line: lines, value: members as unknown as ArchiveManifest };
    return undefined;
  }
  const decoded = decodeEventFast(parsed.event);
  if (E.isLeft(decoded)) throw notAnEvent(lines, decoded.left.message);
  return {
    event: decoded.right,
    streamId: parsed.streamId as string,
    streamRevision: parsed.streamRevision as number,
    globalPosition: parsed.position as number,
    line: lines,
  };
};

/** The end of the input: the header and the manifest, or the archive was cut short (throws). */
export const endOfReading = (state: ReadingState): { readonly header: ArchiveHeader; readonly manifest: ArchiveManifest } => {
  if (state.manifest === undefined) throw cutShort(state.lines);
  return { header: state.header as ArchiveHeader, manifest: state.manifest.value };
};
