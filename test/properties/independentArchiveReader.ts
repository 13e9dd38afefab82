import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';

/*
 * A reader of grade-ledger archives written from docs/archive-format.md alone: it imports
 * nothing from @grade-ledger/archive (only SHA-256 and gunzip from Node), so that it checks the
 * document as much as the writer. It checks the layout, the canonical form, the chain and the
 * manifest; it does not decode events with their codecs or replay them (the document leaves
 * that to the ledger's codecs and rules).
 */

export type IndependentFinding = { readonly line: number; readonly problem: string };

export type IndependentReading = {
  readonly findings: ReadonlyArray<IndependentFinding>;
  /** hex digests d0, d1, ... as computed from the definition. */
  readonly digests: ReadonlyArray<string>;
  readonly eventCount: number;
  readonly finalDigest: string | undefined;
};

class NoCanonicalForm extends Error {}

/** UTF-16 code unit order, written out (the document's rule for member names). */
const byCodeUnits = (a: string, b: string): number => {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = a.charCodeAt(i) - b.charCodeAt(i);
    if (d !== 0) return d;
  }
  return a.length - b.length;
};

const SHORT: Readonly<Record<number, string>> = { 0x22: '\\"', 0x5c: '\\\\', 0x08: '\\b', 0x0c: '\\f', 0x0a: '\\n', 0x0d: '\\r', 0x09: '\\t' };

/** A string as the document escapes it: the short escapes, \u00xx below U+0020, all else as itself. */
const quoted = (s: string): string => {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const next = s.charCodeAt(i + 1);
      if (!(next >= 0xdc00 && next <= 0xdfff)) throw new NoCanonicalForm('a lone surrogate');
      out += s.slice(i, i + 2);
      i += 1;
    } else if (c >= 0xdc00 && c <= 0xdfff) throw new NoCanonicalForm('a lone surrogate');
    else if (SHORT[c] !== undefined) out += SHORT[c];
    else if (c < 0x20) out += `\\u00${c.toString(16).padStart(2, '0')}`;
    else out += s[i];
  }
  return `${out}"`;
};

/** The document's canonical JSON (RFC 8785 as described there). */
export const independentCanonical = (value: unknown): string => {
  if (value === null) return 'null';
  if (value === true) return 'true';
  if (value === false) return 'false';
  if (typeof value === 'string') return quoted(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new NoCanonicalForm('a non-finite number');
    // ECMAScript's Number::toString is the shortest round-trip form; -0 prints as 0.
    return Object.is(value, -0) ? '0' : String(value);
  }
  if (Array.isArray(value)) return `[${value.map(independentCanonical).join(',')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    entries.sort(([a], [b]) => byCodeUnits(a, b));
    return `{${entries.map(([k, v]) => `${quoted(k)}:${independentCanonical(v)}`).join(',')}}`;
  }
  throw new NoCanonicalForm(`a ${typeof value}`);
};

const sha256 = (...parts: ReadonlyArray<Uint8Array>): Buffer => {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part);
  return hash.digest();
};

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const sameMembers = (v: Record<string, unknown>, members: ReadonlyArray<string>): boolean =>
  Object.keys(v).length === members.length && members.every((m) => Object.prototype.hasOwnProperty.call(v, m));

const HEADER_MEMBERS = ['format', 'formatVersion', 'kind', 'pseudonymization'];
const EVENT_MEMBERS = ['digest', 'event', 'position', 'streamId', 'streamRevision'];
const MANIFEST_MEMBERS = ['digest', 'eventCount', 'eventsByType', 'finalDigest', 'firstPosition', 'formatVersion', 'kind', 'lastPosition', 'pseudonymization', 'ruleSetIds', 'streamCount'];
const PSEUDONYMIZATION_MEMBERS = ['fields', 'hexDigits', 'keyId', 'method', 'prefix', 'redactedFields', 'redaction'];
const PREFIX = Buffer.from('{"digest":"');
const HEX64 = /^[0-9a-f]{64}$/;

const isWholeNumber = (v: unknown, min: number): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= min;

/** Reads an archive's bytes (gzip-compressed or not) by the document's steps. */
export const readIndependently = (input: Uint8Array): IndependentReading => {
  const findings: IndependentFinding[] = [];
  const find = (line: number, problem: string): void => void findings.push({ line, problem });
  const bytes = input[0] === 0x1f && input[1] === 0x8b ? gunzipSync(input) : Buffer.from(input);
  const lines: Buffer[] = [];
  let start = 0;
  for (let i = 0; i < bytes.length; i++)
    if (bytes[i] === 0x0a) {
      lines.push(bytes.subarray(start, i));
      start = i + 1;
    }
  if (start < bytes.length) find(lines.length + 1, 'the last line does not end with \\n: cut short');
  const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

  /** Parses a line and checks its canonical form; undefined when it is not a canonical JSON object. */
  const parse = (n: number, line: Buffer): Record<string, unknown> | undefined => {
    let text: string;
    let value: unknown;
    try {
      text = decoder.decode(line);
      value = JSON.parse(text);
    } catch {
      find(n, 'not UTF-8 JSON');
      return undefined;
    }
    try {
      if (independentCanonical(value) !== text) find(n, 'not in canonical form');
    } catch (error) {
      find(n, `no canonical form: ${(error as Error).message}`);
    }
    if (!isObject(value)) {
      find(n, 'not a JSON object');
      return undefined;
    }
    return value;
  };

  const digests: string[] = [];
  if (lines.length === 0) {
    find(1, 'empty');
    return { findings, digests, eventCount: 0, finalDigest: undefined };
  }
  // Step 1: the header.
  const headerLine = lines[0] as Buffer;
  let d = sha256(headerLine);
  digests.push(d.toString('hex'));
  const header = parse(1, headerLine);
  let pseudonymization: unknown = null;
  if (header !== undefined) {
    if (!sameMembers(header, HEADER_MEMBERS) || header.format !== 'grade-ledger-archive' || header.formatVersion !== 1 || header.kind !== 'header')
      find(1, 'not the header of format version 1');
    pseudonymization = header.pseudonymization;
    const p = pseudonymization;
    if (p !== null) {
      const valid =
        isObject(p) &&
        sameMembers(p, PSEUDONYMIZATION_MEMBERS) &&
        p.method === 'hmac-sha256' &&
        p.prefix === 'p-' &&
        p.hexDigits === 16 &&
        typeof p.keyId === 'string' &&
        /^[0-9a-f]{16}$/.test(p.keyId) &&
        JSON.stringify(p.fields) === JSON.stringify(['data.pupilId', 'data.teacherId', 'data.classTeacherId', 'data.personId', 'data.personIds[]', 'metadata.actor.id (every role but system)', 'streamId person-<personId>']) &&
        JSON.stringify(p.redactedFields) === JSON.stringify(['metadata.reason', 'data.overrideReason']) &&
        p.redaction === '[redacted: free text, may name a person]';
      if (!valid) find(1, 'the pseudonymization is not the one the document describes');
    }
  }

  // Steps 2 and 3: the chain, then each line's members.
  let eventCount = 0;
  let lastPosition = 0;
  let firstPosition = 0;
  let finalDigest = digests[0];
  let manifestAt = 0;
  const revisions = new Map<string, number>();
  const byType = new Map<string, number>();
  const ruleSetIds = new Set<string>();
  for (let i = 1; i < lines.length; i++) {
    const n = i + 1;
    const line = lines[i] as Buffer;
    if (manifestAt > 0) find(n, `follows the manifest (line ${manifestAt})`);
    const stated = line.subarray(PREFIX.length, PREFIX.length + 64).toString('latin1');
    if (line.length < 78 || !line.subarray(0, PREFIX.length).equals(PREFIX) || !HEX64.test(stated) || line.toString('latin1', 75, 77) !== '",') {
      find(n, 'does not start with {"digest":"<64 hex>",');
      continue;
    }
    const computed = sha256(d, Buffer.from('{'), line.subarray(77));
    if (computed.toString('hex') !== stated) find(n, 'the digest does not follow from the line before');
    d = Buffer.from(stated, 'hex');
    digests.push(stated);
    const value = parse(n, line);
    if (value === undefined) continue;
    // The chain's definition, the long way: SHA-256(d_(i-1) ‖ canonical JSON without digest).
    const { digest: _digest, ...body } = value;
    const bodyBytes = Buffer.from(independentCanonical(body), 'utf8');
    if (!Buffer.concat([Buffer.from('{'), line.subarray(77)]).equals(bodyBytes)) find(n, 'the line is not {"digest":...,  + its body after "{"');

    if (value.kind === 'manifest') {
      manifestAt = n;
      if (!sameMembers(value, MANIFEST_MEMBERS)) find(n, `the manifest has the members ${Object.keys(value).join(',')}`);
      const expected: Record<string, unknown> = {
        eventCount,
        eventsByType: Object.fromEntries([...byType].sort(([a], [b]) => byCodeUnits(a, b))),
        finalDigest,
        firstPosition,
        formatVersion: 1,
        lastPosition,
        pseudonymization,
        ruleSetIds: [...ruleSetIds].sort(byCodeUnits),
        streamCount: revisions.size,
      };
      for (const [member, wanted] of Object.entries(expected))
        if (independentCanonical(value[member] ?? null) !== independentCanonical(wanted)) find(n, `the manifest's ${member} is ${JSON.stringify(value[member])}, the archive holds ${JSON.stringify(wanted)}`);
      continue;
    }
    if (!sameMembers(value, EVENT_MEMBERS)) {
      find(n, `an event line has the members ${Object.keys(value).join(',')}`);
      continue;
    }
    eventCount += 1;
    finalDigest = stated;
    const { event, position, streamId, streamRevision } = value;
    if (!isWholeNumber(position, 1) || position <= lastPosition) find(n, `position ${String(position)} does not follow ${lastPosition}`);
    else {
      if (firstPosition === 0) firstPosition = position;
      lastPosition = position;
    }
    if (typeof streamId !== 'string' || !isWholeNumber(streamRevision, 0) || streamRevision !== (revisions.get(streamId) ?? -1) + 1)
      find(n, `stream ${String(streamId)} revision ${String(streamRevision)} is not the stream's next`);
    else revisions.set(streamId, streamRevision);
    if (!isObject(event) || !sameMembers(event, ['data', 'metadata', 'schemaVersion', 'type']) || typeof event.type !== 'string' || !isObject(event.data)) {
      find(n, 'the event is not { type, schemaVersion, data, metadata }');
      continue;
    }
    byType.set(event.type, (byType.get(event.type) ?? 0) + 1);
    const data = event.data;
    if (typeof data.ruleSetId === 'string') ruleSetIds.add(data.ruleSetId);
    if (isObject(data.calendar) && typeof data.calendar.ruleSetId === 'string') ruleSetIds.add(data.calendar.ruleSetId);
  }
  // Step 4.
  if (manifestAt === 0) find(lines.length + 1, 'no manifest: cut short');
  return { findings, digests, eventCount, finalDigest };
};

/**
 * Test helper: the archive text with every digest after the header recomputed, and the
 * manifest's finalDigest with them (a forger's chain: only a recorded finalDigest tells).
 */
export const rechained = (text: string): string => {
  const lines = text.split('\n');
  const last = lines.pop();
  if (last !== '') throw new Error('text must end with \\n');
  let d = sha256(Buffer.from(lines[0] as string, 'utf8'));
  const out = [lines[0] as string];
  lines.slice(1).forEach((line, i) => {
    const isManifest = i === lines.length - 2;
    const rest = isManifest ? line.slice(77).replace(/"finalDigest":"[0-9a-f]{64}"/, `"finalDigest":"${d.toString('hex')}"`) : line.slice(77);
    d = sha256(d, Buffer.from(`{${rest}`, 'utf8'));
    out.push(`{"digest":"${d.toString('hex')}",${rest}`);
  });
  return `${out.join('\n')}\n`;
};
