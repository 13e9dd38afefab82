import * as fc from 'fast-check';
import * as E from 'fp-ts/Either';
import { describe, expect, it } from 'vitest';
import { arbClassHistory, buildSmallSchool } from '@grade-ledger/testing';
import type { RecordedEvent } from '../eventStore/eventStore';
import { inMemoryEventStore } from '../eventStore/inMemoryEventStore';
import { journalRulesFromRuleSets } from '../classJournal/journalRulesFromRuleSets';
import { kazakhstanRuleSets } from '../rules/kazakhstan';
import { replayEvents, schoolProjections, type ReplayOptions, type SchoolProjections } from '../replay/replay';
import { everyQuery, onStream } from '../replay/testSupport';
import { history } from './arenaHistory';
import { PAIR_UNIT } from './ledgerTables';
import { gradeAt, gradeCount, isGradeSealedAt, isMarkSealedAt, markAt, markCount, marksEntriesByPupil, markNumbersByPupil, sealEveryBlock, type SchoolLedgerState } from './schoolLedger';
import { attendanceAt, attendanceByPupil, attendanceOfPupil, isAttendanceSealedAt } from './schoolLedger';

/*
 * Sealed blocks of marks (see `sealMarkBlock`) are a layout, not a meaning: a fold that seals
 * every block it can as early as it can must answer every query as a fold that never seals. The
 * same events are folded three ways: sealing off, sealing each block as soon as it fills (lag 0),
 * and lag 0 with every block, the last partly filled one too, sealed again after each event (a
 * block a change or a new mark unsealed is sealed at once, and the next one unseals it again);
 * every query's results, and every
 * mark as `markAt` gives it, must be equal, at a checkpoint along the way (and unchanged by the
 * events after it) and at the end.
 */

const shipped = kazakhstanRuleSets();
if (E.isLeft(shipped)) throw new Error(shipped.left.message);
const ruleSets = shipped.right;

type Sealing = 'off' | 'lag 0' | 'always';
const SEALINGS: ReadonlyArray<Sealing> = ['off', 'lag 0', 'always'];

/** Projections that seal as `sealing` says, given `prepare` first (a state's tables set up as if used for years, say). */
const projectionsSealing = (sealing: Sealing, options: ReplayOptions, prepare: (state: SchoolLedgerState) => void): SchoolProjections => {
  const p = schoolProjections(options);
  prepare(p.state);
  p.state.tables.sealLag = sealing === 'off' ? Infinity : 0;
  return p;
};

const applyAll = (p: SchoolProjections, sealing: Sealing, events: ReadonlyArray<RecordedEvent>): void => {
  if (sealing !== 'always') p.applyAll(events);
  else
    for (const recorded of events) {
      p.apply(recorded);
      sealEveryBlock(p.state);
    }
};

/** Every mark of every class and subject, as `markAt`, `marksEntriesByPupil` and `markNumbersByPupil` give them. */
const everyMark = (p: SchoolProjections) =>
  [...p.state.classList].flatMap((cls) =>
    [...cls.subjects.values()].map((subject) => ({
      marks: Array.from({ length: markCount(subject) }, (_, i) => markAt(p.state, subject, i)),
      entries: [...marksEntriesByPupil(subject)],
      numbers: [...markNumbersByPupil(subject)],
    })),
  );

/** Every finalized grade, as `gradeAt` gives it (sealed blocks of grades: see `sealGradeBlock`). */
const everyGrade = (p: SchoolProjections) => Array.from({ length: gradeCount(p.state) }, (_, n) => gradeAt(p.state, n));

/** Every attendance entry of every class and subject, as `attendanceAt`, `attendanceByPupil` and `attendanceOfPupil` give them (sealed blocks of attendance: see `sealAttendanceBlock`). */
const everyAttendance = (p: SchoolProjections) =>
  [...p.state.classList].flatMap((cls) =>
    [...cls.subjects.values()].map((subject) => {
      const byPupil = [...attendanceByPupil(subject)];
      return { entries: Array.from({ length: subject.attendanceCount }, (_, i) => attendanceAt(subject, i)), byPupil, ofPupil: byPupil.map(([pupilId]) => attendanceOfPupil(subject, pupilId)) };
    }),
  );

/** How many attendance entries are in sealed blocks. */
const sealedAttendance = (state: SchoolLedgerState): number =>
  state.classList.reduce((n, cls) => n + [...cls.subjects.values()].reduce((m, subject) => m + Array.from({ length: subject.attendanceCount }, (_, i) => i).filter((i) => isAttendanceSealedAt(subject, i)).length, 0), 0);

const everything = (p: SchoolProjections) => ({ queries: everyQuery(p), marks: everyMark(p), grades: everyGrade(p), attendance: everyAttendance(p) });

/** How many grades are in sealed blocks. */
const sealedGrades = (state: SchoolLedgerState): number => Array.from({ length: gradeCount(state) }, (_, n) => n).filter((n) => isGradeSealedAt(state, n)).length;

/** How many marks are in sealed blocks. */
const sealedMarks = (state: SchoolLedgerState): number =>
  state.classList.reduce((n, cls) => n + [...cls.subjects.values()].reduce((m, subject) => m + Array.from({ length: markCount(subject) }, (_, i) => i).filter((i) => isMarkSealedAt(subject, i)).length, 0), 0);

/**
 * Folds `events` each way, comparing everything at `cut` events and at the end (and what was
 * given at `cut` after the rest); returns the states, sealing off first.
 */
const foldEachWay = (events: ReadonlyArray<RecordedEvent>, cut: number, options: ReplayOptions = { ruleSets }, prepare: (state: SchoolLedgerState) => void = () => undefined): SchoolLedgerState[] => {
  const folds = SEALINGS.map((sealing) => ({ sealing, p: projectionsSealing(sealing, options, prepare) }));
  for (const { sealing, p } of folds) applyAll(p, sealing, events.slice(0, cut));
  const atCut = folds.map(({ p }) => everything(p));
  const copies = structuredClone(atCut);
  for (const seen of atCut.slice(1)) expect(seen).toEqual(atCut[0]);
  for (const { sealing, p } of folds) applyAll(p, sealing, events.slice(cut));
  const atEnd = folds.map(({ p }) => everything(p));
  for (const seen of atEnd.slice(1)) expect(seen).toEqual(atEnd[0]);
  expect(atCut).toEqual(copies);
  return folds.map(({ p }) => p.state);
};

/** Marks and changes whose numbers do not fit the slots: points past the flags' 127, -0, fractions; positions of -0. */
const withOverflows = (events: RecordedEvent[], seed: number): RecordedEvent[] =>
  events.map((recorded, i) => {
    const { event } = recorded;
    const pick = (seed + i) % 23;
    if (event.type === 'SummativeScoreRecorded' && pick < 3) {
      const points = [1000 + i, -0, 2.5][pick] as number;
      return { ...recorded, event: { ...event, data: { ...event.data, points } } } as RecordedEvent;
    }
    if (event.type === 'SummativeScoreModerated' && pick < 2) return { ...recorded, event: { ...event, data: { ...event.data, points: pick === 0 ? 4000 : -0 } } } as RecordedEvent;
    if (event.type === 'FormativeMarkRecorded' && pick === 5) return { ...recorded, globalPosition: -0 };
    // Grades of every form a grade's slots do not hold (-0, fractions, negatives, past 1,000,000), percentages that are no plain fraction, positions of -0.
    if (event.type === 'PeriodGradeFinalized' && pick < 8) {
      const grade = [-0, 2.5, -7, 5_000_000, 'зачёт'][pick % 5] as number | string;
      const percentage = [`-3/4`, `7/${2 ** 21 + 1}`, '0/1'][pick % 3] as string;
      return { ...recorded, ...(pick === 7 ? { globalPosition: -0 } : {}), event: { ...event, data: { ...event.data, grade, recommendation: { grade: pick === 6 ? -0 : 3, percentage } } } } as RecordedEvent;
    }
    return recorded;
  });

describe('sealed blocks of marks, grades and attendance', () => {
  it('answer every query as slots do: thousands of marks of two classes, changes to marks of any age, overflowed numbers, holes reused across subjects', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 31 - 1 }), fc.integer({ min: 600, max: 4_000 }), fc.constantFrom(1, 2 ** 31 - 1_500), fc.nat(), (seed, size, firstPosition, cut) => {
        const events = withOverflows(history(seed, size, firstPosition), seed);
        const [off, lag0, always] = foldEachWay(events, cut % (events.length + 1)) as SchoolLedgerState[];
        // Sealing did happen, and sealed blocks gave their slots to later blocks (of any subject).
        expect(sealedMarks(off as SchoolLedgerState)).toBe(0);
        expect(lag0?.tables.sealCounts.sealed).toBeGreaterThan(0);
        expect(always?.tables.sealCounts.sealed).toBeGreaterThan(0);
        if (size >= 3_000) expect(lag0?.tables.sealCounts.holesReused).toBeGreaterThan(0);
        // Every full block of grades was sealed as it filled (the last, partly filled one stays in slots).
        expect(sealedGrades(off as SchoolLedgerState)).toBe(0);
        expect(sealedGrades(lag0 as SchoolLedgerState)).toBe(gradeCount(lag0 as SchoolLedgerState) - (gradeCount(lag0 as SchoolLedgerState) % 64));
        // Blocks of attendance were sealed too (sealing after every event: all of them, the last too).
        expect(sealedAttendance(off as SchoolLedgerState)).toBe(0);
        expect(lag0?.tables.sealCounts.attendanceSealed).toBeGreaterThan(0);
        expect(sealedAttendance(always as SchoolLedgerState)).toBe((always as SchoolLedgerState).classList.reduce((n, cls) => n + [...cls.subjects.values()].reduce((m, subject) => m + subject.attendanceCount, 0), 0));
      }),
      // One long fold past 2^31 (positions kept beside the slots inside sealed blocks), besides the random ones.
      { numRuns: 4, examples: [[777, 4_000, 2 ** 31 - 1_500, 1_234]] },
    );
  });

  it('unseal a block for a change (a correction, moderation or annulment of an old mark) and give the change back', () => {
    const events = withOverflows(history(4242, 3_000, 1), 4242);
    const [, lag0, always] = foldEachWay(events, 1_500) as SchoolLedgerState[];
    expect(lag0?.tables.sealCounts.unsealed).toBeGreaterThan(0);
    expect(always?.tables.sealCounts.unsealed).toBeGreaterThan(lag0?.tables.sealCounts.unsealed as number);
    // An attendance correction of an entry in a sealed block unseals it too.
    expect(lag0?.tables.sealCounts.attendanceUnsealed).toBeGreaterThan(0);
    expect(always?.tables.sealCounts.attendanceUnsealed).toBeGreaterThan(lag0?.tables.sealCounts.attendanceUnsealed as number);
  });

  it('seal marks whose pupil and given-on numbers are kept beside the slots (value numbers past 2^26), and the last, partly filled block when asked', () => {
    let sealedBeside = 0;
    let attendanceBeside = 0;
    fc.assert(
      fc.property(fc.integer({ min: PAIR_UNIT - 400, max: PAIR_UNIT + 2 }), fc.integer({ min: 1, max: 2 ** 31 - 1 }), (used, seed) => {
        const events = history(seed, 1_200, 1);
        // The tables given `used` values first, as if so many had been used: the history's pupils and lessons then number past 2^26.
        const prepare = (state: SchoolLedgerState): void => {
          const { values } = state.tables as { values: unknown[] };
          values[2 ** 30] = undefined;
          values.length = used;
        };
        const [, lag0, always] = foldEachWay(events, 600, { ruleSets }, prepare) as SchoolLedgerState[];
        expect(lag0?.tables.sealCounts.sealed).toBeGreaterThan(0);
        // Sealing as its blocks fill leaves each subject's last, partly filled block in slots; sealing after every event seals it too.
        for (const cls of (lag0 as SchoolLedgerState).classList)
          for (const subject of cls.subjects.values()) if (markCount(subject) % 64 !== 0) expect(isMarkSealedAt(subject, markCount(subject) - 1)).toBe(false);
        for (const cls of (always as SchoolLedgerState).classList)
          for (const subject of cls.subjects.values()) {
            expect(isMarkSealedAt(subject, markCount(subject) - 1)).toBe(true);
            sealedBeside += [...(subject.markPupilOn?.keys() ?? [])].filter((i) => isMarkSealedAt(subject, i)).length;
            attendanceBeside += [...(subject.attendancePupilLesson?.keys() ?? [])].filter((i) => isAttendanceSealedAt(subject, i)).length;
          }
      }),
      { numRuns: 3, examples: [[PAIR_UNIT - 40, 99]] },
    );
    // Sealed blocks did hold marks whose numbers are kept beside the slots.
    expect(sealedBeside).toBeGreaterThan(0);
    expect(attendanceBeside).toBeGreaterThan(0);
  });

  it('answer every query as slots do for class histories the decider accepts', () => {
    const histories = arbClassHistory({ rules: journalRulesFromRuleSets(ruleSets), maxPupils: 12, maxLessonsPerTerm: 10 });
    let sealed = 0;
    fc.assert(
      fc.property(histories, fc.nat(), (classHistory, cut) => {
        const events = onStream(classHistory.streamId, classHistory.events);
        const [, lag0] = foldEachWay(events, cut % (events.length + 1)) as SchoolLedgerState[];
        sealed += lag0?.tables.sealCounts.sealed ?? 0;
      }),
      { numRuns: 40 },
    );
    // Some of the histories had blocks to seal.
    expect(sealed).toBeGreaterThan(0);
  });

  it('answer as-of and since-a-school-year replays of a small school as slots do', async () => {
    const store = inMemoryEventStore();
    const built = await buildSmallSchool({ seed: 5, since: 2020, until: 2021, store, ruleSets });
    if (E.isLeft(built)) throw new Error(built.left.message);
    const events = store.allEvents();
    const instants = events.map((e) => e.event.metadata.recordedAt);
    fc.assert(
      fc.property(fc.option(fc.nat(instants.length - 1), { nil: undefined }), fc.constantFrom(undefined, 2020, 2021), fc.nat(), (pick, sinceSchoolYear, cut) => {
        const options: ReplayOptions = { ruleSets, ...(pick === undefined ? {} : { asOf: instants[pick] as string }), ...(sinceSchoolYear === undefined ? {} : { sinceSchoolYear }) };
        const [, lag0] = foldEachWay(events, cut % (events.length + 1), options) as SchoolLedgerState[];
        if (pick === undefined && sinceSchoolYear === undefined) {
          expect(lag0?.tables.sealCounts.sealed).toBeGreaterThan(0);
          // The opening of 2021 sealed the 2020 classes' marks, their last, partly filled blocks too.
          const lastSealed = (lag0 as SchoolLedgerState).classList
            .filter((cls) => cls.startYear === 2020)
            .flatMap((cls) => [...cls.subjects.values()])
            .filter((subject) => markCount(subject) % 64 !== 0 && isMarkSealedAt(subject, markCount(subject) - 1));
          expect(lastSealed.length).toBeGreaterThan(0);
        }
      }),
      { numRuns: 8, examples: [[undefined, undefined, events.length]] },
    );
  });

  it('are off unless a replay asks for them (`sealBlocks`), and a replay that asks answers as one that does not', async () => {
    const store = inMemoryEventStore();
    const built = await buildSmallSchool({ seed: 7, since: 2020, until: 2021, store, ruleSets });
    if (E.isLeft(built)) throw new Error(built.left.message);
    const events = store.allEvents();
    const plain = replayEvents(events, { ruleSets });
    const sealing = replayEvents(events, { ruleSets, sealBlocks: true });
    expect(plain.state.tables.sealCounts.sealed).toBe(0);
    expect(sealedMarks(plain.state)).toBe(0);
    // The opening of 2021 sealed the 2020 classes' blocks, whatever their subjects had filled.
    expect(sealedMarks(sealing.state)).toBeGreaterThan(0);
    expect(sealedGrades(plain.state)).toBe(0);
    expect(sealedGrades(sealing.state)).toBeGreaterThan(0);
    expect(sealedAttendance(plain.state)).toBe(0);
    expect(sealedAttendance(sealing.state)).toBeGreaterThan(0);
    expect(everything(sealing)).toEqual(everything(plain));
  });
});
