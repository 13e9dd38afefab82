import * as E from 'fp-ts/Either';
import { formatIssues, kazakhstanRuleSets, validationIssues, type RecordedEvent, type RuleSet } from '@grade-ledger/core';
import { canonicalJson } from './canonicalJson';
import { domainChecker, domainResultOf, mergeDomainResults, MAX_FINDINGS, PACK_IDLE_AFTER, type DomainResult, type GradeDifference } from './domain';
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
import { batchRequest, linesOfVerdicts } from './verifyBatch';
import { fatalDecoder, isRecord, lineVerdict, type Finding, type LineVerdict } from './verifyLine';
import { verifyPool } from './verifyPool';
import { streamDealer, type ShardAnswer, type ShardCommit, type ShardFinish, type ShardInit } from './verifyShard';

export type { Finding } from './verifyLine';

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
  /**
   * The worker threads that started and did not fail (0: all lines checked on the calling
   * thread). Fewer than asked when a worker was still starting when the archive ended, could not
   * start, or failed: the calling thread checked its share instead, and the report is the same.
   * With the domain check sharded over the workers (see `VerifyOptions.workers`), any of those
   * makes the calling thread verify the archive again from its start: 0.
   */
  readonly workers: number;
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
  /**
   * Worker threads for the checks a line needs nothing else for (UTF-8, JSON, canonical form,
   * members, schema), while this thread reads, runs the chain, the order and the manifest on
   * their verdicts in line order (default 0: all on this thread). With the domain check, each
   * stream's lines go to one worker, which also replays them through the deciders on its own
   * states (verifyShard.ts), when the source can be read again (an opener such as
   * `fileSource(path)`, an array, a string): a worker that fails takes its streams' states with
   * it, and the verify is then done again on this thread (so is one whose workers had not all
   * started when the archive ended). From a source read only once, the domain check stays on
   * this thread, fed with each decoded event from its worker. The report is the same whatever the
   * number. Until a worker has started (its code loaded: a fraction of a second, more on a busy
   * machine), this thread checks the lines itself, so that a small archive does not wait for them.
   * At most 64. Ignored (0) with `onEvent`, which needs each event as parsed here.
   */
  readonly workers?: number;
  /** Wait until the workers have started (or failed) before reading (default false): every batch then goes to a worker. */
  readonly waitForWorkers?: boolean;
  /** The bytes of lines gathered into one message to a worker (default 1 MiB; at least one read chunk's lines go together). */
  readonly workerBatchBytes?: number;
  /** Collect the archive's event ids here (for an import; by default a set of the call's own, to find repeated ids). */
  readonly eventIds?: EventIdSet;
};

const HEX = /^[0-9a-f]{64}$/;
const PREFIX_BYTES = Buffer.from(DIGEST_PREFIX);
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

// The codecs of the header and the manifest strip members they do not know (t.strict): the
// members are checked on the line as parsed, so that a line with one more is not taken as valid.
const HEADER_KEYS = ['format', 'formatVersion', 'kind', 'pseudonymization'];
const PSEUDONYMIZATION_KEYS = ['fields', 'hexDigits', 'keyId', 'method', 'prefix', 'redactedFields', 'redaction'];
const MANIFEST_KEYS = ['digest', 'eventCount', 'eventsByType', 'finalDigest', 'firstPosition', 'formatVersion', 'kind', 'lastPosition', 'pseudonymization', 'ruleSetIds', 'streamCount'];

/** The members of a parsed object that are not among `known`. */
const unexpectedMembers = (value: unknown, known: ReadonlyArray<string>): ReadonlyArray<string> =>
  isRecord(value) ? Object.keys(value).filter((k) => !known.includes(k)) : [];

/** A line from line 2 on, as read: the chain's findings on it, and the digest before it. */
type Prepared = {
  readonly line: RawLine;
  readonly before: string | undefined;
  readonly chainFindings: ReadonlyArray<Finding> | undefined;
  /** The worker the line is sent to when the domain check is sharded by stream (else 0). */
  shard: number;
};

/** The lines' bytes in one message to a worker (a read chunk is 256 KiB): fewer, larger messages cost the main thread less. */
const BATCH_BYTES = 1024 * 1024;

/** Batches a worker may have waiting: enough to keep it busy while the main thread settles others. */
const IN_FLIGHT_PER_WORKER = 3;

/** More workers than this are not started (a count beyond reason must not exhaust the process). */
const MAX_WORKERS = 64;

/** How long `waitForWorkers` waits at most for a worker that neither starts nor fails. */
const WORKER_START_WAIT_MS = 60_000;

/** A line too long is settled without a verdict. */
const noVerdict = (): LineVerdict => ({ kind: 'other', findings: [] });

const resolveRuleSets = (given: ReadonlyArray<RuleSet> | undefined): E.Either<string, ReadonlyArray<RuleSet>> => {
  if (given !== undefined) return E.right(given);
  const shipped = kazakhstanRuleSets();
  return E.isLeft(shipped) ? E.left(shipped.left.message) : E.right(shipped.right);
};

/**
 * Verifies an archive as it streams by: the chain, the format and order, every event's schema,
 * the domain (a replay through the deciders) and the grades (recomputed under the rule set in
 * force). Memory: one line, the counters, one folded state per class and school year, and the
 * event ids seen (`eventIdSet.ts`: about a bit per id of a numbered form); with workers, each
 * holds the states of its share of the streams. `source`: the bytes, or an opener of them (which
 * lets the domain check be sharded over the workers: see `workers`; opened again only if a
 * worker fails). Never throws: unreadable input is a finding too.
 */
export const verifyArchive = async (source: ByteSource | (() => ByteSource), options: VerifyOptions = {}): Promise<VerifyReport> => {
  // A source that can be read again (an opener, an array, a string) allows the domain check to be sharded over the workers.
  const again = typeof source === 'function' ? source : Array.isArray(source) || typeof source === 'string' ? () => source : undefined;
  const report = await verifyOnce(typeof source === 'function' ? source() : source, options, again !== undefined);
  // A worker holding a shard of the domain check failed, or had not started when the archive ended: once more, on this thread.
  return report ?? ((await verifyOnce((again as () => ByteSource)(), { ...options, workers: 0 }, false)) as VerifyReport);
};

/** Worker threads asked for, within reason (none with `onEvent`, which needs each event as parsed here). */
const workersOf = (options: VerifyOptions): number => {
  const asked = Math.floor(options.workers ?? 0);
  return options.onEvent === undefined && asked > 0 ? Math.min(MAX_WORKERS, asked) : 0;
};

/** Whether the rule sets can be sent to a worker (custom ones may hold what a structured clone cannot copy). */
const cloneable = (ruleSets: ReadonlyArray<RuleSet>): boolean => {
  try {
    structuredClone(ruleSets);
    return true;
  } catch {
    return false;
  }
};

/** One pass over the archive; undefined when it must be redone on one thread (`canRedo` only: a sharded domain check lost a shard). */
const verifyOnce = async (source: ByteSource, options: VerifyOptions, canRedo: boolean): Promise<VerifyReport | undefined> => {
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
  const workersAsked = workersOf(options);
  // With workers, the domain check is sharded by stream over them when the archive can be read again (a
  // shard lost with its worker is then checked again on this thread); else it runs here, on the events they send back.
  const sharded = canRedo && workersAsked > 0 && domainOn && E.isRight(ruleSets) && options.eventIds === undefined && cloneable(ruleSets.right);
  const domain = domainOn && E.isRight(ruleSets) && !sharded ? domainChecker(ruleSets.right, { grades: gradesOn }) : undefined;
  const dealer = sharded ? streamDealer(workersAsked) : undefined;
  // The events the domain check took so far (the ordinal of the last), and each shard's since its last commit.
  let ordinal = 0;
  const commits = Array.from({ length: sharded ? workersAsked : 0 }, () => ({ lines: [] as number[], ordinals: [] as number[], carried: [] as Array<readonly [number, string, RecordedEvent['event']]> }));
  /** The domain check takes the event of a line: its stream's shard is told (the event carried when that worker does not hold it). */
  const shardTakes = (line: RawLine, routed: number, streamId: string, event: RecordedEvent['event'] | undefined): void => {
    ordinal += 1;
    const owner = (dealer as ReturnType<typeof streamDealer>).ownerOf(streamId);
    const commit = commits[owner] as (typeof commits)[number];
    commit.lines.push(line.lineNumber);
    commit.ordinals.push(ordinal);
    // Checked here (its worker was not ready), or sent to another worker than its stream's (not routed by its bytes): parsed here.
    const carried = event ?? (routed === owner ? undefined : lineVerdict(line.bytes, line.lineNumber, line.unterminated, true));
    const carriedEvent = carried === undefined ? undefined : 'kind' in carried ? (carried.kind === 'event' ? carried.event : undefined) : carried;
    if (carriedEvent !== undefined) commit.carried.push([commit.lines.length - 1, streamId, carriedEvent]);
  };

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

  /** Follows the chain over a line; its findings (none, usually). */
  const chain = (line: RawLine): ReadonlyArray<Finding> | undefined => {
    if (hasDigestPrefix(line.bytes)) {
      // The usual case: the stated digest is the computed one (so it is well-formed hex too).
      const computed = hasher.follows(previous ?? ZERO_DIGEST, line.bytes);
      if (computed !== undefined) {
        previous = computed;
        return undefined;
      }
    }
    const stored = storedDigestOf(line.bytes);
    if (stored === undefined) return [{ line: line.lineNumber, check: 'chain', message: `line ${line.lineNumber} does not start with its digest ({"digest":"<64 hex digits>",...)` }];
    // Continue from the digest the line claims: one altered line gives one finding, not one per later line.
    previous = stored;
    return [
      {
        line: line.lineNumber,
        check: 'chain',
        field: 'digest',
        message: `line ${line.lineNumber}: the digest does not follow from the line before: this line was changed, or a line before it was removed, inserted or moved here`,
      },
    ];
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

  /** The event line's sequential checks (order, counts, domain) on its verdict; `routed`: the worker it was sent to (sharded domain). */
  const eventLine = (line: RawLine, verdict: Extract<LineVerdict, { kind: 'event' }>, routed: number): void => {
    const n = line.lineNumber;
    const { position, streamId, streamRevision } = verdict;
    events += 1;
    byType.set(verdict.type, (byType.get(verdict.type) ?? 0) + 1);
    if (position !== undefined) {
      if (position <= lastPosition) add({ line: n, check: 'order', field: 'position', message: `line ${n}: position ${position} does not follow ${lastPosition}: the lines are out of the ledger's order` });
      if (firstPosition === 0) firstPosition = position;
      lastPosition = Math.max(lastPosition, position);
    }
    if (streamId !== undefined && streamRevision !== undefined) {
      const expected = (revisions.get(streamId) ?? -1) + 1;
      if (streamRevision !== expected)
        add({ line: n, check: 'order', field: 'streamRevision', message: `line ${n}: stream ${streamId} revision ${streamRevision} where ${expected} was expected: an event of the stream is missing, repeated or out of order` });
      revisions.set(streamId, Math.max(streamRevision, revisions.get(streamId) ?? -1));
      options.streamIds?.add(streamId);
    }
    if (verdict.ruleSetIds === undefined) return;
    for (const id of verdict.ruleSetIds) ruleSetIds.add(id);
    const repeated = verdict.eventId === undefined ? undefined : repeatedEventIdFinding(eventIds, verdict.eventId, n);
    if (repeated !== undefined) add(repeated);
    if (position === undefined || streamId === undefined || streamRevision === undefined) return;
    // Sharded: the worker that checked the line holds its event (it decoded: ruleSetIds above).
    if (sharded) {
      shardTakes(line, routed, streamId, verdict.event);
      return;
    }
    const ledgerEvent = verdict.event;
    if (ledgerEvent === undefined) return;
    domain?.add(n, streamId, ledgerEvent);
    options.onEvent?.({ event: ledgerEvent, streamId, streamRevision, globalPosition: position }, n, line.bytes, verdict.parsedEvent);
  };

  /**
   * A line from line 2 on as read, in reading order: what needs only the lines before it, the
   * chain above all. Its findings wait in `chainFindings` until the line is settled (a line after
   * the manifest gets none); the chain goes on over such lines, but nothing reads it after the manifest.
   */
  const prepare = (line: RawLine): Prepared => {
    if (line.tooLong) {
      previous = storedDigestOf(line.bytes) ?? previous;
      return { line, before: previous, chainFindings: undefined, shard: 0 };
    }
    const before = previous;
    const chainFindings = chain(line);
    return { line, before, chainFindings, shard: 0 };
  };

  /** A prepared line, in line order, with its verdict (asked for only when needed). */
  const settle = (prepared: Prepared, verdictOf: () => LineVerdict): void => {
    const { line } = prepared;
    const n = line.lineNumber;
    if (line.tooLong) {
      add({ line: n, check: 'format', message: `line ${n} is longer than ${line.bytes.length} bytes: not an archive line` });
      return;
    }
    if (manifest !== null || manifestLine > 0) {
      add({ line: n, check: 'format', message: `line ${n} follows the manifest (line ${manifestLine}), which must be the last line` });
      return;
    }
    if (prepared.chainFindings !== undefined) for (const finding of prepared.chainFindings) add(finding);
    const verdict = verdictOf();
    for (const finding of verdict.findings) add(finding);
    if (verdict.kind === 'manifest') manifestCheck(line, verdict.parsed, prepared.before);
    else if (verdict.kind === 'event') eventLine(line, verdict, prepared.shard);
  };

  const read = (line: RawLine): Prepared | undefined => {
    lines = line.lineNumber;
    bytes += line.bytes.length + (line.unterminated ? 0 : 1);
    lastLine = line;
    if (lines % 10_000 === 0) options.onProgress?.({ lines, bytes });
    if (line.lineNumber === 1) {
      headerLine(line);
      return undefined;
    }
    return prepare(line);
  };

  const pool = workersAsked > 0 ? verifyPool(workersAsked) : undefined;
  let readError: unknown;
  let workersUsed = 0;
  // Sharded: a worker failed (its shard of the domain check is lost), or the result of each.
  let lost = false;
  let shardResults: ReadonlyArray<DomainResult> | undefined;
  try {
    if (pool === undefined) {
      try {
        for await (const batch of rawLineBatches(source)) {
          for (const line of batch) {
            const prepared = read(line);
            if (prepared !== undefined) settle(prepared, () => lineVerdict(line.bytes, line.lineNumber, line.unterminated, true));
          }
        }
      } catch (error) {
        readError = error;
      }
    } else {
      // Batches in flight, oldest first: settled in line order as their verdicts come back. Sharded,
      // a batch is sent as one message per worker (the lines of its streams), else to one worker.
      const inFlight: Array<{ readonly prepared: ReadonlyArray<Prepared>; readonly verdicts: ReadonlyArray<Promise<ReadonlyArray<LineVerdict> | undefined> | undefined> }> = [];
      // Lines checked here keep their event: for the domain check here, or to be carried to a shard.
      const keepEvents = domain !== undefined || sharded;
      let id = 0;
      const settleOldest = async (): Promise<void> => {
        const oldest = inFlight.shift();
        if (oldest === undefined) return;
        // No verdicts (no worker runs, or the worker failed): the batch is checked here (the lines' bytes are still here).
        const verdicts = await Promise.all(oldest.verdicts);
        const next = verdicts.map(() => 0);
        for (const prepared of oldest.prepared) {
          if (prepared.line.tooLong) settle(prepared, noVerdict);
          else {
            const i = next[prepared.shard] as number;
            const verdict = verdicts[prepared.shard]?.[i];
            next[prepared.shard] = i + 1;
            const { line } = prepared;
            settle(prepared, verdict === undefined ? () => lineVerdict(line.bytes, line.lineNumber, line.unterminated, keepEvents) : () => verdict);
          }
        }
        if (!sharded) return;
        // Every line up to the batch's last is settled: each shard is told what the domain check took of its streams.
        const watermark = oldest.prepared.at(-1)?.line.lineNumber ?? 0;
        commits.forEach((commit, k) => {
          const lines = Float64Array.from(commit.lines);
          const ordinals = Float64Array.from(commit.ordinals);
          const message: ShardCommit = { commit: { lines, ordinals, carried: commit.carried, watermark } };
          if (!pool.post(k, message, [lines.buffer, ordinals.buffer])) lost = true;
          commits[k] = { lines: [], ordinals: [], carried: [] };
        });
        if (pool.anyFailed()) lost = true;
      };
      if (sharded) {
        // A class idle for PACK_IDLE_AFTER of the archive's events is packed, as on one thread: about that over N of its worker's.
        const init: ShardInit = { init: { ruleSets: ruleSets.right as ReadonlyArray<RuleSet>, grades: gradesOn, packIdleAfter: Math.max(1, Math.round(PACK_IDLE_AFTER / workersAsked)) } };
        for (let k = 0; k < workersAsked; k++) pool.post(k, init);
      }
      if (options.waitForWorkers === true) await pool.started(WORKER_START_WAIT_MS);
      if (sharded && pool.anyFailed()) lost = true;
      try {
        const batchBytes = Math.max(1, options.workerBatchBytes ?? BATCH_BYTES);
        // Lines gathered from the chunks read until a batch is worth a message.
        let prepared: Prepared[] = [];
        let preparedBytes = 0;
        const dispatch = async (): Promise<void> => {
          if (sharded) {
            const toCheck: RawLine[][] = Array.from({ length: workersAsked }, () => []);
            for (const p of prepared) if (!p.line.tooLong) toCheck[p.shard]?.push(p.line);
            inFlight.push({
              prepared,
              verdicts: toCheck.map((lines, k) => (lines.length === 0 ? undefined : pool.checkOn(k, () => batchRequest(id++, lines, false, true))?.then(linesOfVerdicts, () => undefined))),
            });
          } else {
            const toCheck = prepared.filter((p) => !p.line.tooLong).map((p) => p.line);
            inFlight.push({ prepared, verdicts: [toCheck.length === 0 ? undefined : pool.check(() => batchRequest(id++, toCheck, keepEvents))?.then(linesOfVerdicts, () => undefined)] });
          }
          prepared = [];
          preparedBytes = 0;
          while (inFlight.length > IN_FLIGHT_PER_WORKER * workersAsked) await settleOldest();
        };
        try {
          for await (const batch of rawLineBatches(source)) {
            if (lost) break;
            for (const line of batch) {
              const one = read(line);
              if (one === undefined) continue;
              if (dealer !== undefined && !line.tooLong) one.shard = dealer.route(line.bytes, line.lineNumber);
              prepared.push(one);
              preparedBytes += line.bytes.length;
            }
            if (preparedBytes >= batchBytes) await dispatch();
          }
        } finally {
          // What was read before the end (or an error) is checked too.
          if (prepared.length > 0 && !lost) await dispatch();
        }
      } catch (error) {
        readError = error;
      }
      while (inFlight.length > 0 && !lost) await settleOldest();
      workersUsed = pool.running();
      if (sharded && !lost) {
        // A worker that has not started by now has replayed none of its shard: rather than wait for it, this thread checks it all again.
        for (let k = 0; k < workersAsked; k++) if (!pool.isRunning(k)) lost = true;
        if (!lost)
          shardResults = await Promise.all(
            Array.from({ length: workersAsked }, (_, k) => {
              const finish: ShardFinish = { finish: true, id: id++ };
              return pool.ask<ShardAnswer>(k, finish).then((answer) => answer.domain);
            }),
          ).catch(() => {
            lost = true;
            return undefined;
          });
      }
    }
  } finally {
    await pool?.close();
  }
  if (lost) return undefined;
  if (readError !== undefined)
    add({ line: lines + 1, check: 'format', message: `reading stopped after line ${lines}: ${readError instanceof Error ? readError.message : String(readError)} (a damaged or cut gzip file?)` });
  options.onProgress?.({ lines, bytes });
  domain?.finish();
  const domainResult: DomainResult | undefined =
    shardResults !== undefined
      ? mergeDomainResults(shardResults)
      : domain === undefined
        ? undefined
        : domainResultOf(domain);

  if (lines === 0) add({ line: 1, check: 'format', message: 'the archive is empty' });
  else if (manifestLine === 0) add({ line: lines + 1, check: 'manifest', message: `the archive ends after line ${lines} without its manifest: it was cut short (or is not a grade-ledger archive)` });
  if (lastLine?.unterminated === true && lines > 0) add({ line: lines, check: 'format', message: `line ${lines} does not end with a newline: the archive was cut short` });
  const finalDigest = manifestLine > 0 ? ((manifest as ArchiveManifest | null)?.finalDigest ?? null) : (previous ?? null);
  if (options.expectDigest !== undefined && options.expectDigest !== finalDigest)
    add({ line: manifestLine || lines, check: 'chain', field: 'finalDigest', message: `the final digest is ${finalDigest ?? 'missing'}, not the expected ${options.expectDigest}: this is not the archive that was recorded` });

  for (const finding of domainResult?.findings ?? []) add({ line: finding.line, check: finding.check, eventId: finding.eventId, message: `line ${finding.line}: ${finding.message}` });
  const counts = domainResult?.counts ?? { checkedEvents: 0, uncheckedEvents: 0, omittedFindings: 0 };
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
    checks: { chain: true, schema: true, domain: domainResult !== undefined, grades: gradesOn && domainResult !== undefined },
    findings,
    omittedFindings: omitted,
    gradeDifferences: domainResult?.gradeDifferences ?? [],
    domainEvents: { checked: counts.checkedEvents, unchecked: counts.uncheckedEvents },
    workers: workersUsed,
  };
};

/** Whether a digest string is well formed (64 lowercase hex digits). */
export { isDigestHex };
