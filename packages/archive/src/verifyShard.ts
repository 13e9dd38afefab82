import type { LedgerEvent, RuleSet } from '@grade-ledger/core';
import { domainChecker, domainResultOf, type DomainResult } from './domain';

/*
 * The domain check with workers, sharded by stream: each stream's lines go to one worker, which
 * checks them line by line (verifyLine.ts) and keeps each decoded event by its line; the main
 * thread, settling the lines in line order, decides which of them the domain check takes (only
 * what it takes on one thread: event lines that decoded, with a position, a stream and a
 * revision, none after the manifest) and numbers them (the ordinal, over all the streams), and
 * sends each worker the list of its own (a commit). The worker folds those into a domain checker
 * of its own, over its streams only: class and school-year streams are independent (a decider
 * reads only its stream's state), and the ordinals let a command's group end where another
 * stream's event comes between, as on one thread (domain.ts). At the end each worker sends its
 * findings, grade differences and counts, and the main thread merges them (mergeDomainResults).
 */

/** The first message to a worker of a sharded verify: its domain checker's rule sets (plain data) and options. */
export type ShardInit = { readonly init: { readonly ruleSets: ReadonlyArray<RuleSet>; readonly grades: boolean; readonly packIdleAfter: number } };

/**
 * The lines of a settled stretch that the domain check takes, with their ordinals, in line order.
 * `carried`: the events the worker does not hold (lines checked on the main thread, or sent to
 * another worker than their stream's), by index into `lines`. Every line up to `watermark` is
 * settled: the worker drops the events it holds of lines up to there that were not taken.
 */
export type ShardCommit = {
  readonly commit: {
    readonly lines: Float64Array;
    readonly ordinals: Float64Array;
    readonly carried: ReadonlyArray<readonly [number, string, LedgerEvent]>;
    readonly watermark: number;
  };
};

/** Asks a worker for its shard's result (answered with `{ id, domain }` once every commit is folded). */
export type ShardFinish = { readonly finish: true; readonly id: number };

export type ShardAnswer = { readonly id: number; readonly domain: DomainResult };

/**
 * Events committed but not yet folded that a worker may keep before it checks more lines: the
 * fold runs between messages, so that the verdicts the main thread waits for come first; this
 * bounds what that costs in memory (a decoded event is about a kilobyte).
 */
export const MAX_FOLD_BACKLOG = 4_000;

/** A worker's shard of the domain check. */
export const domainShard = (ruleSets: ReadonlyArray<RuleSet>, grades: boolean, packIdleAfter: number) => {
  const checker = domainChecker(ruleSets, { grades, packIdleAfter });
  const held = new Map<number, { readonly streamId: string; readonly event: LedgerEvent }>();
  // Committed events in ordinal order, folded from `next` on.
  let backlog: Array<{ readonly line: number; readonly ordinal: number; readonly streamId: string; readonly event: LedgerEvent }> = [];
  let next = 0;
  /** Folds up to `count` committed events; how many are left. */
  const fold = (count: number): number => {
    const end = Math.min(backlog.length, next + count);
    for (; next < end; next++) {
      const e = backlog[next] as (typeof backlog)[number];
      checker.add(e.line, e.streamId, e.event, e.ordinal);
    }
    if (next === backlog.length) {
      backlog = [];
      next = 0;
    } else if (next > 4096 && next * 2 > backlog.length) {
      backlog = backlog.slice(next);
      next = 0;
    }
    return backlog.length - next;
  };
  return {
    hold: (line: number, streamId: string, event: LedgerEvent): void => {
      held.set(line, { streamId, event });
    },
    commit: ({ commit }: ShardCommit): void => {
      const carried = new Map(commit.carried.map(([i, streamId, event]) => [i, { streamId, event }] as const));
      for (let i = 0; i < commit.lines.length; i++) {
        const line = commit.lines[i] as number;
        const entry = carried.get(i) ?? held.get(line);
        // Never missing: the main thread carries every event this worker was not sent.
        if (entry === undefined) throw new Error(`verify worker: line ${line} was committed but is not held here`);
        backlog.push({ line, ordinal: commit.ordinals[i] as number, streamId: entry.streamId, event: entry.event });
      }
      // Held in line order: those up to the watermark are settled (taken above, or not at all).
      for (const line of held.keys()) {
        if (line > commit.watermark) break;
        held.delete(line);
      }
    },
    /** Folds up to `count` committed events; how many are left. */
    fold,
    backlog: (): number => backlog.length - next,
    finish: (): DomainResult => {
      fold(Number.POSITIVE_INFINITY);
      checker.finish();
      return domainResultOf(checker);
    },
  };
};

const STREAM_KEY = Buffer.from(',"streamId":"');
const REVISION_KEY = Buffer.from('","streamRevision":');

/**
 * Deals the archive's streams to `count` shards, round robin in the order they first appear (the
 * classes of a school have about as many events each). `route` finds a line's stream in its raw
 * bytes, without parsing: in canonical form the members are sorted, so an event line ends with
 * `,"streamId":"…","streamRevision":N}`. A line where it is not found goes to a shard by its
 * number: its own checks decide what it is; if the domain check takes its event, the main thread
 * carries the event to its stream's shard (`ownerOf`, by the stream id as decoded).
 */
export const streamDealer = (count: number) => {
  const owners = new Map<string, number>();
  let dealt = 0;
  const ownerOf = (streamId: string): number => {
    let owner = owners.get(streamId);
    if (owner === undefined) {
      owner = dealt % count;
      dealt += 1;
      owners.set(streamId, owner);
    }
    return owner;
  };
  return {
    ownerOf,
    route: (bytes: Buffer, lineNumber: number): number => {
      const revision = bytes.lastIndexOf(REVISION_KEY);
      if (revision < 0) return lineNumber % count;
      const key = bytes.lastIndexOf(STREAM_KEY, revision);
      if (key < 0) return lineNumber % count;
      return ownerOf(bytes.toString('utf8', key + STREAM_KEY.length, revision));
    },
  };
};
