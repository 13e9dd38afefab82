import * as crypto from 'node:crypto';
import { createHash } from 'node:crypto';
import * as t from 'io-ts';

/*
 * The archive format, version 1 (docs/archive-format.md is the normative description):
 *
 *   line 1        header    canonical JSON {format, formatVersion, kind: "header", pseudonymization}
 *   lines 2..n+1  events    canonical JSON {digest, event, position, streamId, streamRevision}
 *   line n+2      manifest  canonical JSON {digest, eventCount, eventsByType, finalDigest, ...}
 *
 * Every line ends with "\n". The chain: d0 = SHA-256(header line bytes); for each later line,
 * d_i = SHA-256(d_{i-1} as 32 raw bytes || the UTF-8 bytes of the line's canonical JSON without
 * its "digest" member), and the line's "digest" is hex(d_i). Because "digest" sorts first, a
 * line is `{"digest":"<64 hex>",` followed by the rest of that body after its opening brace.
 */

export const ARCHIVE_FORMAT = 'grade-ledger-archive';
export const ARCHIVE_FORMAT_VERSION = 1;

/** `{"digest":"` + 64 hex digits + `",`: the fixed start of every chained line. */
export const DIGEST_PREFIX = '{"digest":"';
export const DIGEST_PREFIX_LENGTH = DIGEST_PREFIX.length + 64 + 2;

/** The person-id fields a pseudonymized archive replaces (see docs/archive-format.md). */
export const PSEUDONYMIZED_FIELDS = [
  'data.pupilId',
  'data.teacherId',
  'data.classTeacherId',
  'data.personId',
  'data.personIds[]',
  'metadata.actor.id (every role but system)',
  'streamId person-<personId>',
] as const;
export const REDACTED_FIELDS = ['metadata.reason', 'data.overrideReason'] as const;

export const PseudonymizationCodec = t.union([
  t.null,
  t.strict({
    method: t.literal('hmac-sha256'),
    /** Pseudonym = prefix + the first `hexDigits` hex digits of HMAC-SHA256(key, id). */
    prefix: t.string,
    hexDigits: t.number,
    /** Fingerprint of the key: the first 16 hex digits of HMAC-SHA256(key, "grade-ledger key id"). */
    keyId: t.string,
    fields: t.array(t.string),
    redactedFields: t.array(t.string),
    redaction: t.string,
  }),
]);
export type Pseudonymization = t.TypeOf<typeof PseudonymizationCodec>;

export const ArchiveHeaderCodec = t.strict({
  format: t.literal(ARCHIVE_FORMAT),
  formatVersion: t.literal(ARCHIVE_FORMAT_VERSION),
  kind: t.literal('header'),
  pseudonymization: PseudonymizationCodec,
});
export type ArchiveHeader = t.TypeOf<typeof ArchiveHeaderCodec>;

/** The last line: what the archive holds, to be checked against what was read. */
export type ArchiveManifest = {
  readonly kind: 'manifest';
  readonly formatVersion: number;
  readonly eventCount: number;
  /** Event counts by type, keys sorted (canonical JSON sorts them anyway). */
  readonly eventsByType: Readonly<Record<string, number>>;
  readonly streamCount: number;
  /** Global positions of the first and last event; 0 when the archive holds none. */
  readonly firstPosition: number;
  readonly lastPosition: number;
  /** The chain digest after the last event line (the header's digest when there is none). */
  readonly finalDigest: string;
  /** The rule-set ids the history names (school years, class calendars, grades), sorted. */
  readonly ruleSetIds: ReadonlyArray<string>;
  readonly pseudonymization: Pseudonymization;
};

export const ArchiveManifestCodec = t.strict({
  digest: t.string,
  kind: t.literal('manifest'),
  formatVersion: t.number,
  eventCount: t.number,
  eventsByType: t.record(t.string, t.number),
  streamCount: t.number,
  firstPosition: t.number,
  lastPosition: t.number,
  finalDigest: t.string,
  ruleSetIds: t.array(t.string),
  pseudonymization: PseudonymizationCodec,
});

/** d0: the digest of the header line's bytes (without its newline). */
export const genesisDigest = (headerLine: string | Uint8Array): Buffer => createHash('sha256').update(headerLine).digest();

/** d_i from d_{i-1} and the line's body (its canonical JSON without "digest"). */
export const chainDigest = (previous: Uint8Array, body: string | Uint8Array): Buffer =>
  createHash('sha256').update(previous).update(body).digest();

const OPEN_BRACE = Buffer.from('{');

/**
 * d_i of a chained line as read: the body is "{" followed by the line after its fixed
 * 77-character digest prefix (valid when the line starts with that prefix).
 */
export const chainDigestOfLine = (previous: Uint8Array, line: Uint8Array): Buffer =>
  createHash('sha256').update(previous).update(OPEN_BRACE).update(line.subarray(DIGEST_PREFIX_LENGTH)).digest();

/** The chained line of a body: `{"digest":"<hex>",` + the body after its "{". */
export const chainedLine = (digestHex: string, body: string): string => `${DIGEST_PREFIX}${digestHex}",${body.slice(1)}`;

export const isDigestHex = (value: unknown): value is string => typeof value === 'string' && /^[0-9a-f]{64}$/.test(value);

/*
 * The chain, fast: one SHA-256 call per line over a scratch buffer holding the previous digest
 * and the body, instead of a Hash object with three updates (Node's per-call cost dominates
 * for lines of a few hundred bytes). `crypto.hash` exists from Node 20.12; before, createHash.
 */
type OneShotHash = (algorithm: string, data: Uint8Array, encoding: 'hex') => string;
const oneShot: OneShotHash | undefined = (crypto as unknown as { hash?: OneShotHash }).hash;

/** A chain hasher with its own scratch buffer (one per reader or writer). */
export const chainHasher = () => {
  let scratch = Buffer.allocUnsafe(64 * 1024);
  // The raw bytes of the last digest `follows` gave, and that digest.
  const kept = new Uint8Array(32);
  let keptHex = '';
  const room = (bytes: number): Buffer => {
    if (scratch.length < bytes) scratch = Buffer.allocUnsafe(Math.max(bytes, scratch.length * 2));
    return scratch;
  };
  return {
    /** hex(d_i) of a chained line as read, from hex(d_(i-1)) (the line must start with the digest prefix). */
    ofLine: (previousHex: string, line: Uint8Array): string => {
      if (oneShot === undefined) return chainDigestOfLine(Buffer.from(previousHex, 'hex'), line).toString('hex');
      // The whole line is copied (one native copy, no view of it made), then its digest prefix's
      // last 33 bytes become the previous digest's raw bytes and the body's "{".
      const from = DIGEST_PREFIX_LENGTH - 33;
      const buffer = room(line.length);
      buffer.set(line, 0);
      writeDigestBytes(previousHex, buffer, from);
      buffer[from + 32] = 0x7b; // "{"
      return oneShot('sha256', new Uint8Array(buffer.buffer, buffer.byteOffset + from, line.length - from), 'hex');
    },
    /**
     * For a line that starts with the digest prefix: hex(d_i) from hex(d_(i-1)) when the line
     * states exactly that digest, undefined when it states another. The comparison reads bytes,
     * and the digest's raw bytes are kept (read from the line) for the next line's hash, so that
     * no hex string is read char by char.
     */
    follows: (previousHex: string, line: Uint8Array): string | undefined => {
      if (oneShot === undefined) {
        const computed = chainDigestOfLine(Buffer.from(previousHex, 'hex'), line).toString('hex');
        return Buffer.from(line.subarray(DIGEST_PREFIX.length, DIGEST_PREFIX.length + 64)).toString('latin1') === computed ? computed : undefined;
      }
      const from = DIGEST_PREFIX_LENGTH - 33;
      const buffer = room(line.length);
      buffer.set(line, 0);
      if (previousHex === keptHex) for (let i = 0; i < 32; i++) buffer[from + i] = kept[i] as number;
      else writeDigestBytes(previousHex, buffer, from);
      buffer[from + 32] = 0x7b; // "{"
      const computed = oneShot('sha256', new Uint8Array(buffer.buffer, buffer.byteOffset + from, line.length - from), 'hex');
      // The line's bytes were copied: the hex goes over the copy's start for a byte comparison.
      buffer.write(computed, 0, 64, 'latin1');
      const at = DIGEST_PREFIX.length;
      for (let i = 0; i < 64; i++) if (buffer[i] !== line[at + i]) return undefined;
      for (let i = 0; i < 32; i++) kept[i] = (hexNibble(line[at + 2 * i] as number) << 4) | hexNibble(line[at + 2 * i + 1] as number);
      keptHex = computed;
      return computed;
    },
    /** hex(d_i) from hex(d_(i-1)) and a body (canonical JSON without "digest"). */
    ofBody: (previousHex: string, body: string): string => {
      if (oneShot === undefined) return chainDigest(Buffer.from(previousHex, 'hex'), body).toString('hex');
      const buffer = room(32 + body.length * 3);
      buffer.write(previousHex, 0, 32, 'hex');
      const length = buffer.write(body, 32, 'utf8');
      return oneShot('sha256', buffer.subarray(0, 32 + length), 'hex');
    },
  };
};

const hexNibble = (code: number): number => (code <= 0x39 ? code - 0x30 : code - 0x57);

/** Writes the 32 raw bytes of a digest given as 64 lowercase hex digits at `offset` (by hand: Buffer#write's call costs more). */
export const writeDigestBytes = (hex: string, target: Uint8Array, offset: number): void => {
  for (let i = 0; i < 32; i++) target[offset + i] = (hexNibble(hex.charCodeAt(2 * i)) << 4) | hexNibble(hex.charCodeAt(2 * i + 1));
};

/** hex(SHA-256) of `length` bytes of `buffer` from `offset`, in one call where Node has crypto.hash. */
export const sha256HexOf = (buffer: Buffer, offset: number, length: number): string => {
  const view = new Uint8Array(buffer.buffer, buffer.byteOffset + offset, length);
  return oneShot === undefined ? createHash('sha256').update(view).digest('hex') : oneShot('sha256', view, 'hex');
};

const PREFIX_CODES = Uint8Array.from(Buffer.from(DIGEST_PREFIX, 'latin1'));

/**
 * Completes a chained line written into `buffer` at `start`: the line's body (canonical JSON
 * without "digest") was written from `start + 76` to `end`, after 76 bytes left free. The body
 * is hashed in place (the previous digest's raw bytes put just before it), then the free bytes
 * become `{"digest":"<hex>",` over the body's "{". `previous` holds the previous digest's 32
 * raw bytes and is updated to this line's. Returns the line's digest in hex.
 */
export const chainInPlace = (previous: Uint8Array, buffer: Buffer, start: number, end: number): string => {
  const bodyStart = start + DIGEST_PREFIX_LENGTH - 1;
  const digestAt = start + PREFIX_CODES.length;
  for (let i = 0; i < 32; i++) buffer[bodyStart - 32 + i] = previous[i] as number;
  const digest = sha256HexOf(buffer, bodyStart - 32, end - bodyStart + 32);
  for (let i = 0; i < PREFIX_CODES.length; i++) buffer[start + i] = PREFIX_CODES[i] as number;
  buffer.write(digest, digestAt, 64, 'latin1');
  buffer[bodyStart - 1] = 0x22; // "
  buffer[bodyStart] = 0x2c; // ,
  // The raw bytes for the next line, from the hex just written (reading bytes costs less than reading the string).
  for (let i = 0; i < 32; i++) previous[i] = (hexNibble(buffer[digestAt + 2 * i] as number) << 4) | hexNibble(buffer[digestAt + 2 * i + 1] as number);
  return digest;
};
