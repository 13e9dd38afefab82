import * as E from 'fp-ts/Either';
import { decodeEventFast, formatIssues, kazakhstanRuleSets, validationIssues, type LedgerEvent, type RecordedEvent, type RuleSet } from '@grade-ledger/core';
import { canonicalJson, isCertainlyCanonical } from './canonicalJson';
import { domainChecker, MAX_FINDINGS, type GradeDifference } from './domain';
import { emptyEventIdSet, repeatedEventIdFinding, type EventIdSet } from './eventIdSet';
import {
  ArchiveHeaderCodec,
  ArchiveManifestCodec,
  chainHasher,
  DIGEST_PREFIX,
  DIGEST_PREFIX_LENGTH,
  genesisDigest,
  isDigestHex,
  type ArchiveHeader,
  type ArchiveManifest,
} from './format';
import { rawLineBatches, type ByteSource, type RawLine } from './lines';
import { ruleSetIdsOf } from './writer';

/** What a check found wrong, at a 1-based line of the (uncompressed) archive. */
export type Finding = {
  readonly line: number;
  /**
   * - format: not a line of this format (not UTF-8, not JSON, not canonical, wrong members);
   * - chain: the line's digest does not follow from the line before it (changed, removed, inserted, reordered);
   * - order: positions not increasing, or a stream's revisions not 0, 1, 2, ..., or an event id repeated;
   * - schema: the event does not decode with its codec;
   * - manifest: the manifest does not match what was read, or is missing (cut short);
   * - domain: the ledger's rules refuse the command the event came from, or it would record another payload;
   * - grade: a finalized grade the rules compute otherwise, without an override reason, or with a wrong recorded recommendation.
   */
  readonly check: 'format' | 'chain' | 'order' | 'schema' | 'manifest' | 'domain' | 'grade';
  readonly message: string;
  /** The field at fault (a dotted path), where one is. */
  readonly field?: string;
  readonly eventId?: string;
};

export type VerifyReport = {
  /** True when no check found anything. */
  readonly ok: boolean;
  readonly lines: number;
  /** Uncompressed bytes read. */
  readonly bytes: number;
  readonly events: number;
  readonly header: ArchiveHeader | null;
  readonly manifest: ArchiveManifest | null;
  /** The chain digest after the last event line, as computed while reading. */
  readonly finalDigest: string | null;
  readonly checks: { readonly chain: true; readonly schema: true; readonly domain: boolean; readonly grades: boolean };
  /** In line order within each check; at most 1,000 per check, the rest counted in `omittedFindings`. */
  readonly findings: ReadonlyArray<Finding>;
  readonly omittedFindings: number;
  /**
   * Every finalized grade that differs from the recomputation, with the breakdown. Those with
   * an override reason recorded (and the right recorded recommendation) are lawful overrides:
   * listed, not findings.
   */
  readonly gradeDifferences: ReadonlyArray<GradeDifference>;
  readonly domainEvents: { readonly checked: number; readonly unchecked: number };
};

export type VerifyOptions = {
  /** The rule sets the ledger knows (default: the shipped Kazakhstan rule sets). */
  readonly ruleSets?: ReadonlyArray<RuleSet>;
  /** Replay the events through the deciders (default true). */
  readonly domain?: boolean;
  /** Recompute finalized grades (default true; needs `domain`). */
  readonly grades?: boolean;
  /** The final digest the archive must have (e.g. from the ArchiveExported event in the ledger). */
  readonly expectDigest?: string;
  /** Called every 10,000 lines and at the end. */
  readonly onProgress?: (progress: { readonly lines: number; readonly bytes: number }) => void;
  /**
   * Each event that decoded, in order (for a replay or an import in the same pass), with the
   * line's bytes as read (without the newline; only valid during the call: copy what is kept)
   * and the event as parsed from them, before decoding: `recorded.event` is that very value when
   * decoding changed nothing (no member stripped, no older schema upcast), so the line's text of
   * it may stand for it. Called for lines with findings too (a failed report means: keep nothing).
   */
  readonly onEvent?: (recorded: RecordedEvent, line: number, bytes: Buffer, parsedEvent: unknown) => void;
  /** Collect the ids of the archive's streams (for an import). */
  readonly streamIds?: Set<string>;
  /** Collect the archive's event ids here (for an import; by default a set of the call's own, to find repeated ids). */
  readonly eventIds?: EventIdSet;
};

const HEX = /^[0-9a-f]{64}$/;
const PREFIX_BYTES = Buffer.from(DIGEST_PREFIX);
const fatalDecoder = new TextDecoder('utf-8', { fatal: true });
const ZERO_DIGEST = '0'.repeat(64);

const hasDigestPrefix = (bytes: Buffer): boolean => {
  if (bytes.length < DIGEST_PREFIX_LENGTH + 1) return false;
  for (let i = 0; i < PREFIX_BYTES.length; i++) if (bytes[i] !== PREFIX_BYTES[i]) return false;
  return bytes[PREFIX_BYTES.length + 64] === 0x22 && bytes[PREFIX_BYTES.length + 65] === 0x2c;
};

/** The digest (hex) a chained line claims for itself, read from its fixed prefix; undefined when it has none. */
const storedDigestOf = (bytes: Buffer): string | undefined => {
  if (!hasDigestPrefix(bytes)) return undefined;
  const hex = bytes.toString('latin1', PREFIX_BYTES.length, PREFIX_BYTES.length + 64);
  return HEX.test(hex) ? hex : undefined;
};

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

const EVENT_LINE_KEYS = ['digest', 'event', 'position', 'streamId', 'streamRevision'];
// The codecs of the header and the manifest strip members they do not know (t.strict): the
// members are checked on the line as parsed, so that a line with one more is not taken as valid.
const HEADER_KEYS = ['format', 'formatVersion', 'kind', 'pseudonymization'];
const PSEUDONYMIZATION_KEYS = ['fields', 'hexDigits', 'keyId', 'method', 'prefix', 'redactedFields', 'redaction'];
const MANIFEST_KEYS = ['digest', 'eventCount', 'eventsByType', 'finalDigest', 'firstPosition', 'formatVersion', 'kind', 'lastPosition', 'pseudonymization', 'ruleSetIds', 'streamCount'];

/** The members of a parsed object that are not among `known`. */
const unexpectedMembers = (value: unknown, known: ReadonlyArray<string>): ReadonlyArray<string> =>
  isRecord(value) ? Object.keys(value).filter((k) => !known.includes(k)) : [];

const resolveRuleSets = (given: ReadonlyArray<RuleSet> | undefined): E.Either<string, ReadonlyArray<RuleSet>> => {
  if (given !== undefined) return E.right(given);
  const shipped = kazakhstanRuleSets();
  return E.isLeft(shipped) ? E.left(shipped.left.message) : E.right(shipped.right);
};

/**
 * Verifies an archive as it streams by: the chain, the format and order, every event's schema,
 * the domain (a replay through the deciders) and the grades (recomputed under the rule set in
 * force). Memory: one line, the counters, one folded state per class and school year, and the
 * event ids seen (`eventIdSet.ts`: about a bit per id of a numbered form).
 * Never throws: unreadable input is a finding too.
 */
export const verifyArchive = async (source: ByteSource, options: VerifyOptions = {}): Promise<VerifyReport> => {
  const findings: Finding[] = [];
  const perCheck = new Map<Finding['check'], number>();
  let omitted = 0;
  const add = (finding: Finding): void => {
    const count = perCheck.get(finding.check) ?? 0;
    perCheck.set(finding.check, count + 1);
    if (count < MAX_FINDINGS) findings.push(finding);
    else omitted += 1;
  };

  const domainOn = options.domain ?? true;
  const gradesOn = domainOn && (options.grades ?? true);
  const ruleSets = resolveRuleSets(options.ruleSets);
  if (E.isLeft(ruleSets)) add({ line: 0, check: 'domain', message: `the rule sets cannot be loaded: ${ruleSets.left}` });
  const domain = domainOn && E.isRight(ruleSets) ? domainChecker(ruleSets.right, { grades: gradesOn }) : undefined;

  let lines = 0;
  let bytes = 0;
  let events = 0;
  let header: ArchiveHeader | null = null;
  let manifest: ArchiveManifest | null = null;
  let manifestLine = 0;
  // The chain digest so far, in hex (undefined before the header).
  let previous: string | undefined;
  const hasher = chainHasher();
  let lastPosition = 0;
  let firstPosition = 0;
  const revisions = new Map<string, number>();
  const byType = new Map<string, number>();
  const ruleSetIds = new Set<string>();
  const eventIds = options.eventIds ?? emptyEventIdSet();
  let lastLine: RawLine | undefined;

  const headerLine = (line: RawLine): void => {
    previous = genesisDigest(line.bytes).toString('hex');
    let parsed: unknown;
    try {
      parsed = JSON.parse(fatalDecoder.decode(line.bytes));
    } catch (error) {
      add({ line: 1, check: 'format', message: `line 1 is not the archive's JSON header (${error instanceof Error ? error.message : String(error)}): is this a grade-ledger archive?` });
      return;
    }
    const decoded = ArchiveHeaderCodec.decode(parsed);
    if (E.isLeft(decoded)) {
      const issues = validationIssues(decoded.left);
      add({ line: 1, check: 'format', field: issues[0]?.path, message: `line 1 is not a grade-ledger archive header of format version 1: ${formatIssues(issues)}` });
      return;
    }
    header = decoded.right;
    const unexpected = [...unexpectedMembers(parsed, HEADER_KEYS), ...unexpectedMembers((parsed as Record<string, unknown>).pseudonymization, PSEUDONYMIZATION_KEYS).map((k) => `pseudonymization.${k}`)];
    if (unexpected.length > 0)
      add({ line: 1, check: 'format', field: unexpected[0], message: `line 1: the header has members format version 1 does not know: ${unexpected.join(', ')}` });
    const canonical = canonicalJson(parsed);
    if (E.isRight(canonical) && canonical.right !== line.bytes.toString('utf8'))
      add({ line: 1, check: 'format', message: 'line 1 (the header) is not in canonical JSON form' });
  };

  const chain = (line: RawLine): void => {
    if (hasDigestPrefix(line.bytes)) {
      // The usual case: the stated digest is the computed one (so it is well-formed hex too).
      const computed = hasher.follows(previous ?? ZERO_DIGEST, line.bytes);
      if (computed !== undefined) {
        previous = computed;
        return;
      }
    }
    const stored = storedDigestOf(line.bytes);
    if (stored === undefined) {
      add({ line: line.lineNumber, check: 'chain', message: `line ${line.lineNumber} does not start with its digest ({"digest":"<64 hex digits>",...)` });
      return;
    }
    add({
      line: line.lineNumber,
      check: 'chain',
      field: 'digest',
      message: `line ${line.lineNumber}: the digest does not follow from the line before: this line was changed, or a line before it was removed, inserted or moved here`,
    });
    // Continue from the digest the line claims: one altered line gives one finding, not one per later line.
    previous = stored;
  };

  const manifestCheck = (line: RawLine, parsed: Record<string, unknown>, chainBefore: string | undefined): void => {
    if (manifest !== null) {
      add({ line: line.lineNumber, check: 'manifest', message: `line ${line.lineNumber}: a second manifest (the first is line ${manifestLine})` });
      return;
    }
    manifestLine = line.lineNumber;
    const finalDigest = chainBefore ?? null;
    const decoded = ArchiveManifestCodec.decode(parsed);
    if (E.isLeft(decoded)) {
      const issues = validationIssues(decoded.left);
      add({ line: line.lineNumber, check: 'manifest', field: issues[0]?.path, message: `line ${line.lineNumber}: the manifest is malformed: ${formatIssues(issues)}` });
      return;
    }
    const { digest: _digest, ...rest } = decoded.right;
    manifest = rest;
    const unexpected = [...unexpectedMembers(parsed, MANIFEST_KEYS), ...unexpectedMembers(parsed.pseudonymization, PSEUDONYMIZATION_KEYS).map((k) => `pseudonymization.${k}`)];
    if (unexpected.length > 0)
      add({ line: line.lineNumber, check: 'manifest', field: unexpected[0], message: `line ${line.lineNumber}: the manifest has members format version 1 does not know: ${unexpected.join(', ')}` });
    const expected: Record<string, unknown> = {
      formatVersion: 1,
      eventCount: events,
      eventsByType: Object.fromEntries([...byType.entries()].sort(([a], [b]) => (a < b ? -1 : 1))),
      streamCount: revisions.size,
      firstPosition,
      lastPosition,
      finalDigest,
      ruleSetIds: [...ruleSetIds].sort(),
      pseudonymization: (header as ArchiveHeader | null)?.pseudonymization ?? null,
    };
    for (const [field, value] of Object.entries(expected)) {
      const actual = JSON.stringify((rest as Record<string, unknown>)[field]);
      if (actual !== JSON.stringify(value))
        add({ line: line.lineNumber, check: 'manifest', field, message: `line ${line.lineNumber}: the manifest says ${field} ${actual}, the archive holds ${JSON.stringify(value)}` });
    }
  };

  const eventLine = (line: RawLine, parsed: Record<string, unknown>): void => {
    const n = line.lineNumber;
    const keys = Object.keys(parsed);
    // The usual line has exactly the five members, in their canonical order.
    const exact = keys.length === EVENT_LINE_KEYS.length && keys.every((k, i) => k === EVENT_LINE_KEYS[i]);
    const extra = exact ? [] : keys.filter((k) => !EVENT_LINE_KEYS.includes(k));
    const missing = exact ? [] : EVENT_LINE_KEYS.filter((k) => !(k in parsed));
    if (extra.length > 0 || missing.length > 0)
      add({ line: n, check: 'format', field: missing[0] ?? extra[0], message: `line ${n}: an event line has exactly the members ${EVENT_LINE_KEYS.join(', ')}${missing.length > 0 ? `; missing ${missing.join(', ')}` : ''}${extra.length > 0 ? `; unexpected ${extra.join(', ')}` : ''}` });
    const { position, streamId, streamRevision, event } = parsed;
    events += 1;
    const type = isRecord(event) && typeof event.type === 'string' ? event.type : '(no type)';
    byType.set(type, (byType.get(type) ?? 0) + 1);
    let placed = true;
    if (typeof position !== 'number' || !Number.isSafeInteger(position) || position < 1) {
      add({ line: n, check: 'format', field: 'position', message: `line ${n}: position ${JSON.stringify(position)} is not a whole number from 1` });
      placed = false;
    } else {
      if (position <= lastPosition) add({ line: n, check: 'order', field: 'position', message: `line ${n}: position ${position} does not follow ${lastPosition}: the lines are out of the ledger's order` });
      if (firstPosition === 0) firstPosition = position;
      lastPosition = Math.max(lastPosition, position);
    }
    if (typeof streamId !== 'string' || streamId.length === 0 || typeof streamRevision !== 'number' || !Number.isSafeInteger(streamRevision) || streamRevision < 0) {
      add({ line: n, check: 'format', field: typeof streamId !== 'string' || streamId.length === 0 ? 'streamId' : 'streamRevision', message: `line ${n}: streamId ${JSON.stringify(streamId)} / streamRevision ${JSON.stringify(streamRevision)}: expected a stream id and a whole number from 0` });
      placed = false;
    } else {
      const expected = (revisions.get(streamId) ?? -1) + 1;
      if (streamRevision !== expected)
        add({ line: n, check: 'order', field: 'streamRevision', message: `line ${n}: stream ${streamId} revision ${streamRevision} where ${expected} was expected: an event of the stream is missing, repeated or out of order` });
      revisions.set(streamId, Math.max(streamRevision, revisions.get(streamId) ?? -1));
      options.streamIds?.add(streamId);
    }
    const decoded = decodeEventFast(event);
    if (E.isLeft(decoded)) {
      const first = decoded.left.issues[0];
      add({ line: n, check: 'schema', field: first === undefined ? 'event' : `event.${first.path}`, eventId: isRecord(event) && isRecord(event.metadata) && typeof event.metadata.eventId === 'string' ? event.metadata.eventId : undefined, message: `line ${n}: ${decoded.left.message}` });
      return;
    }
    const ledgerEvent: LedgerEvent = decoded.right;
    for (const id of ruleSetIdsOf(ledgerEvent)) ruleSetIds.add(id);
    const repeated = repeatedEventIdFinding(eventIds, ledgerEvent.metadata.eventId, n);
    if (repeated !== undefined) add(repeated);
    if (!placed) return;
    domain?.add(n, streamId as string, ledgerEvent);
    options.onEvent?.({ event: ledgerEvent, streamId: streamId as string, streamRevision: streamRevision as number, globalPosition: position as number }, n, line.bytes, event);
  };

  const bodyLine = (line: RawLine): void => {
    const n = line.lineNumber;
    if (line.tooLong) {
      add({ line: n, check: 'format', message: `line ${n} is longer than ${line.bytes.length} bytes: not an archive line` });
      previous = storedDigestOf(line.bytes) ?? previous;
      return;
    }
    if (manifest !== null || manifestLine > 0) {
      add({ line: n, check: 'format', message: `line ${n} follows the manifest (line ${manifestLine}), which must be the last line` });
      return;
    }
    const before = previous;
    chain(line);
    let text: string;
    try {
      text = fatalDecoder.decode(line.bytes);
    } catch {
      add({ line: n, check: 'format', message: `line ${n} is not valid UTF-8` });
      return;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      add({ line: n, check: 'format', message: `line ${n} is not JSON (${error instanceof Error ? error.message : String(error)})${line.unterminated ? ': the archive looks cut short' : ''}` });
      return;
    }
    if (!isRecord(parsed)) {
      add({ line: n, check: 'format', message: `line ${n} is not a JSON object` });
      return;
    }
    // One pass over the bytes settles the usual line; anything unusual is re-serialized.
    if (!isCertainlyCanonical(line.bytes)) {
      const canonical = canonicalJson(parsed);
      if (E.isLeft(canonical)) add({ line: n, check: 'format', field: canonical.left.path, message: `line ${n}: ${canonical.left.message}` });
      else if (canonical.right !== text) add({ line: n, check: 'format', message: `line ${n} is not in canonical JSON form (sorted members, no spaces)` });
    }
    if (parsed.kind === 'manifest') manifestCheck(line, parsed, before);
    else if (parsed.kind === 'header') add({ line: n, check: 'format', message: `line ${n}: a header is only allowed on line 1` });
    else eventLine(line, parsed);
  };

  try {
    for await (const batch of rawLineBatches(source)) {
      for (const line of batch) {
        lines = line.lineNumber;
        bytes += line.bytes.length + (line.unterminated ? 0 : 1);
        lastLine = line;
        if (line.lineNumber === 1) headerLine(line);
        else bodyLine(line);
        if (lines % 10_000 === 0) options.onProgress?.({ lines, bytes });
      }
    }
  } catch (error) {
    add({ line: lines + 1, check: 'format', message: `reading stopped after line ${lines}: ${error instanceof Error ? error.message : String(error)} (a damaged or cut gzip file?)` });
  }
  options.onProgress?.({ lines, bytes });
  domain?.finish();

  if (lines === 0) add({ line: 1, check: 'format', message: 'the archive is empty' });
  else if (manifestLine === 0) add({ line: lines + 1, check: 'manifest', message: `the archive ends after line ${lines} without its manifest: it was cut short (or is not a grade-ledger archive)` });
  if (lastLine?.unterminated === true && lines > 0) add({ line: lines, check: 'format', message: `line ${lines} does not end with a newline: the archive was cut short` });
  const finalDigest = manifestLine > 0 ? ((manifest as ArchiveManifest | null)?.finalDigest ?? null) : (previous ?? null);
  if (options.expectDigest !== undefined && options.expectDigest !== finalDigest)
    add({ line: manifestLine || lines, check: 'chain', field: 'finalDigest', message: `the final digest is ${finalDigest ?? 'missing'}, not the expected ${options.expectDigest}: this is not the archive that was recorded` });

  for (const finding of domain?.findings() ?? []) add({ line: finding.line, check: finding.check, eventId: finding.eventId, message: `line ${finding.line}: ${finding.message}` });
  const counts = domain?.counts() ?? { checkedEvents: 0, uncheckedEvents: 0, omittedFindings: 0 };
  omitted += counts.omittedFindings;
  const order: ReadonlyArray<Finding['check']> = ['format', 'chain', 'order', 'schema', 'manifest', 'domain', 'grade'];
  findings.sort((a, b) => a.line - b.line || order.indexOf(a.check) - order.indexOf(b.check));
  return {
    ok: findings.length === 0 && omitted === 0,
    lines,
    bytes,
    events,
    header,
    manifest,
    finalDigest,
    checks: { chain: true, schema: true, domain: domain !== undefined, grades: gradesOn && domain !== undefined },
    findings,
    omittedFindings: omitted,
    gradeDifferences: domain?.gradeDifferences() ?? [],
    domainEvents: { checked: counts.checkedEvents, unchecked: counts.uncheckedEvents },
  };
};

/** Whether a digest string is well formed (64 lowercase hex digits). */
export { isDigestHex };
