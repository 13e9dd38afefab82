import * as fc from 'fast-check';
import * as E from 'fp-ts/Either';
import { describe, expect, it } from 'vitest';
import type { RecordedEvent } from '../eventStore/eventStore';
import { kazakhstanRuleSets } from '../rules/kazakhstan';
import { schoolProjections, type ReplayOptions, type SchoolProjections } from '../replay/replay';
import { everyQuery } from '../replay/testSupport';
import { prng } from './arenaHistory';
import { appendSlotBlock, MOMENT_UNIT, PAIR_UNIT, SEALED_SLAB_BYTES } from './ledgerTables';
import { ATTENDANCE_SLOTS, ENTRIES_PER_ATTENDANCE_CHUNK, GRADE_SLOTS, isMarkSealedAt, markAt, markCount, marksEntriesByPupil, markNumberOf, markNumbersByPupil, markIdAt, markPupilAt, MARK_SLOTS, MARKS_PER_CHUNK, schoolLedgerProjection, sealEveryBlock, type SchoolLedgerState } from './schoolLedger';

/*
 * An adversarial audit of sealed blocks of marks (see `sealMarkBlock`), beside sealedBlocks.test.ts:
 * histories of several school years, whose classes of earlier years go on getting marks and
 * changes long after a later year opened (their last, partly filled blocks sealed and unsealed
 * again), many subjects and classes sharing the holes, ids, values, positions, moments, actors and
 * value numbers at and past every packing limit. The same events are folded four ways (sealing
 * off; `sealBlocks`, lag 1; lag 0; lag 0 and every block sealed again after each event) and every
 * query, every mark, every lookup by id must be the same. The freed slots of the sealed blocks
 * (the holes) and the sealing scratch are overwritten with garbage after every event: a reader
 * of a stale slot or of the scratch would answer differently.
 */

const shipped = kazakhstanRuleSets();
if (E.isLeft(shipped)) throw new Error(shipped.left.message);
const ruleSets = shipped.right;


type Payload = { readonly type: string; readonly data: Record<string, unknown> };
type Emitted = Payload & { readonly streamId: string; readonly position?: number };
type Mark = { readonly subjectId: string; readonly pupilId: string; readonly markId: string; readonly kind: 'formative' | 'summative' };
type Cls = { readonly classId: string; readonly streamId: string; readonly year: number; readonly subjects: string[]; readonly marks: Mark[]; markNo: number; lessonNo: number; readonly lessons: Map<string, string[]> };

const SUBJECTS = ['mathematics', 'physics', 'history', 'biology', 'chemistry', 'music', 'art', 'geography'];

const calendarOf = (year: number) => ({
  schoolYearId: `${year}-${year + 1}`,
  startsOn: `${year}-09-01`,
  endsOn: `${year + 1}-05-31`,
  terms: [
    { number: 1, startsOn: `${year}-09-01`, endsOn: `${year}-10-27` },
    { number: 2, startsOn: `${year}-11-06`, endsOn: `${year}-12-29` },
  ],
  halfYears: [],
  ruleSetId: 'kz-current',
});

/**
 * Mark ids of every shape a block can mix: one template's consecutive numbers, numbers near and
 * past the largest a template holds (2^31 - 1: past it an id is kept as text), ids of no template
 * (kept as text, their codes small) and of other templates (codes 2^32 apart).
 */
const markIdOf = (rnd: (n: number) => number, cls: Cls): string => {
  const n = cls.markNo++;
  switch (rnd(12)) {
    case 0:
      return `${cls.classId}-${n}-uuid-${rnd(100_000)}x`;
    case 1:
      return `m${2 ** 31 - 40 + (n % 80)}`;
    case 2:
      return `q${n}.${rnd(3)}`;
    default:
      return `m${n}`;
  }
};

/** Points a slot holds, at its limits (127, 128) and past them (-0, negative, fractions, large). */
const pointsOf = (rnd: (n: number) => number): number => {
  const pick = rnd(20);
  return pick === 0 ? 128 + rnd(5000) : pick === 1 ? -0 : pick === 2 ? -1 - rnd(5) : pick === 3 ? 2.5 : pick === 4 ? 127 : rnd(30);
};

/**
 * A history of `years` school years from 2020, each opened with one to three classes of one to
 * eight subjects; marks go to the classes of the latest year mostly, to those of earlier years
 * often (their sealed last blocks unsealed again), in runs that fill blocks exactly; changes go to
 * marks of any age and class; now and then a class of a later year opens before its year, or one
 * of an earlier year after a later year opened.
 */
const yearsHistory = (seed: number, size: number, years: number, firstPosition: number): RecordedEvent[] => {
  const rnd = prng(seed);
  const emitted: Emitted[] = [];
  const classes: Cls[] = [];
  const emit = (streamId: string, payload: Payload, position?: number) => emitted.push({ streamId, ...payload, ...(position === undefined ? {} : { position }) });
  const openYear = (year: number) => {
    emit(`schoolYear-${year}`, { type: 'SchoolYearOpened', data: { ...calendarOf(year), startYear: year } });
  };
  const openClass = (year: number, letter: string) => {
    const classId = `${year}-7${letter}${classes.length}`;
    const count = 1 + rnd(SUBJECTS.length);
    const subjects = SUBJECTS.slice(0, count);
    const cls: Cls = { classId, streamId: `class-${classId}`, year, subjects, marks: [], markNo: 0, lessonNo: 0, lessons: new Map() };
    classes.push(cls);
    emit(cls.streamId, { type: 'ClassOpened', data: { classId, gradeLevel: 7, letter, classTeacherId: 'teacher-05', calendar: calendarOf(year) } });
    subjects.forEach((subjectId, k) => emit(cls.streamId, { type: 'SubjectAssigned', data: { subjectId, teacherId: `teacher-${k}`, hoursPerWeek: 2, gradingMode: 'scored' } }));
    for (let p = 0; p < 6; p++) emit(cls.streamId, { type: 'PupilEnrolled', data: { pupilId: `pupil-${year}-${p}`, on: `${year}-09-01` } });
  };
  let year = 2020;
  openYear(year);
  for (let c = 0; c < 1 + rnd(3); c++) openClass(year, 'ABC'[c] as string);
  const last = 2020 + years - 1;
  while (emitted.length < size) {
    // The next year opens now and then (its class sometimes first), a late class of an earlier year sometimes after it.
    if (year < last && rnd(Math.max(1, Math.floor(size / years / 4))) === 0) {
      year++;
      const classFirst = rnd(4) === 0;
      if (classFirst) openClass(year, 'A');
      openYear(year);
      for (let c = classFirst ? 1 : 0; c < 1 + rnd(3); c++) openClass(year, 'ABC'[c] as string);
      if (rnd(3) === 0) openClass(2020 + rnd(year - 2020), 'Z');
      continue;
    }
    // The latest year's classes mostly, any class often.
    const recent = classes.filter((c) => c.year === year);
    const cls = (rnd(3) === 0 || recent.length === 0 ? classes[rnd(classes.length)] : recent[rnd(recent.length)]) as Cls;
    const subjectId = cls.subjects[rnd(cls.subjects.length)] as string;
    const roll = rnd(100);
    if (roll < 6) {
      const lessonId = `L${cls.lessonNo++}`;
      cls.lessons.set(subjectId, [...(cls.lessons.get(subjectId) ?? []), lessonId]);
      emit(cls.streamId, { type: 'LessonPlanned', data: { subjectId, lessonId, date: `${cls.year}-10-${10 + rnd(15)}`, period: 1 + rnd(6), unit: 'U', topic: `T${rnd(9)}`, hours: 1 } });
    } else if (roll < 70) {
      // A run of marks of one subject: sometimes just what fills its block, then one more.
      const already = cls.marks.filter((m) => m.subjectId === subjectId).length;
      const run = rnd(4) === 0 ? MARKS_PER_CHUNK - (already % MARKS_PER_CHUNK) + rnd(2) : 1 + rnd(8);
      const lessons = cls.lessons.get(subjectId) ?? [];
      const lessonId = lessons[lessons.length - 1 - rnd(Math.min(3, lessons.length + 1))] ?? 'L-none';
      const pick = rnd(40);
      // Positions past a pair's limit, -0 and fractions: kept beside the slots.
      const position = pick === 0 ? 2 ** 40 + rnd(1000) : pick === 1 ? -0 : pick === 2 ? 1.5 : undefined;
      for (let r = 0; r < run; r++) {
        const markId = markIdOf(rnd, cls);
        const pupilId = `pupil-${cls.year}-${rnd(6)}`;
        const summative = rnd(4) === 0;
        cls.marks.push({ subjectId, pupilId, markId, kind: summative ? 'summative' : 'formative' });
        emit(
          cls.streamId,
          summative
            ? { type: 'SummativeScoreRecorded', data: { subjectId, pupilId, markId, summativeId: `s${rnd(4)}`, points: pointsOf(rnd) } }
            : { type: 'FormativeMarkRecorded', data: { subjectId, pupilId, markId, lessonId, mark: 1 + rnd(10) } },
          position,
        );
      }
    } else if (roll < 92) {
      // A change to a mark of any age, of any class (the oldest sealed long ago), now and then one never recorded.
      const all = classes.filter((c) => c.marks.length > 0);
      const owner = all[rnd(all.length)] ?? cls;
      const mark = owner.marks[rnd(owner.marks.length + 1)] ?? { subjectId, pupilId: `pupil-${owner.year}-0`, markId: 'm-unknown', kind: 'formative' as const };
      const which = rnd(3);
      const data = { subjectId: mark.subjectId, pupilId: mark.pupilId, markId: mark.markId };
      emit(
        owner.streamId,
        which === 0
          ? { type: 'MarkAnnulled', data }
          : which === 1 || mark.kind === 'formative'
            ? { type: 'MarkCorrected', data: { ...data, value: mark.kind === 'formative' ? { kind: 'formative', mark: 1 + rnd(10) } : { kind: 'summative', points: pointsOf(rnd) } } }
            : { type: 'SummativeScoreModerated', data: { ...data, points: pointsOf(rnd) } },
      );
    } else if (roll < 96) {
      emit(cls.streamId, { type: 'AttendanceMarked', data: { subjectId, pupilId: `pupil-${cls.year}-${rnd(6)}`, attendanceId: `a${emitted.length}`, lessonId: (cls.lessons.get(subjectId) ?? ['L-none'])[0], code: 'late' } });
    } else
      emit(cls.streamId, {
        type: 'PeriodGradeFinalized',
        data: { subjectId, pupilId: `pupil-${cls.year}-${rnd(6)}`, period: { kind: 'term', number: 1 + rnd(2) }, grade: 1 + rnd(5), recommendation: null, ruleSetId: 'kz-current' },
      });
  }
  const revisions = new Map<string, number>();
  let minute = 0;
  return emitted.map(({ streamId, type, data, position }, i) => {
    if (rnd(4) !== 0) minute++;
    const at = new Date(Date.UTC(2020, 8, 1) + minute * 61_001);
    const occurredAt = rnd(2) === 0 ? at.toISOString() : `${at.toISOString().slice(0, 19)}Z`;
    const recordedAt = rnd(10) === 0 ? `${new Date(at.getTime() + 3_600_000).toISOString().slice(0, 19)}Z` : occurredAt;
    // Event ids of one template, near its largest number, of no template (codes small: a block's id column then spans 2^32 and more).
    const pick = rnd(30);
    const eventId = pick === 0 ? `evt-${seed}-${i}-loose` : pick === 1 ? `${streamId}.e.${2 ** 31 - 50 + (i % 100)}` : `${streamId}.e.${i}`;
    // Many actors, now and then: the flags' actor bits vary.
    const actor = { id: rnd(8) === 0 ? `teacher-${rnd(3000)}` : `teacher-${rnd(3)}`, role: 'subjectTeacher' };
    const metadata = { eventId, occurredAt, recordedAt, actor, correlationId: eventId, causationId: eventId, ...(rnd(30) === 0 ? { reason: `reason ${rnd(3)}` } : {}) };
    const revision = revisions.get(streamId) ?? 0;
    revisions.set(streamId, revision + 1);
    return { event: { type, schemaVersion: 1, data, metadata }, streamId, streamRevision: revision, globalPosition: position ?? firstPosition + i } as unknown as RecordedEvent;
  });
};

/** A state set up as if it had used nearly as many value numbers, moments, actors and id templates as its slots hold (or none), and opened classes before. */
type Used = { readonly values: number; readonly moments: number; readonly actors: number; readonly templates: number; readonly classes: number };

const prepareUsed =
  (used: Used) =>
  (state: SchoolLedgerState): void => {
    const { tables } = state;
    if (used.moments > 0) {
      const block = Math.floor(used.moments / 1024);
      tables.moments.length = block;
      tables.momentBases.length = block;
      if (used.moments % 1024 !== 0) appendSlotBlock(tables, tables.moments, tables.momentBases, 2048);
      tables.momentCount = used.moments;
    }
    if (used.values > 0) {
      // A far entry first: V8 keeps the list as a dictionary, not a backing store of the whole length.
      (tables.values as unknown[])[2 ** 30] = undefined;
      tables.values.length = used.values;
    }
    if (used.templates > 0) {
      // Templates of ids numbered from `templates` on: a block mixing their codes with those of ids of no template spans 2^40 to 2^53.
      (tables.prefixes as unknown[])[2 ** 30] = undefined;
      (tables.suffixes as unknown[])[2 ** 30] = undefined;
      tables.prefixes.length = used.templates;
      tables.suffixes.length = used.templates;
    }
    // Classes opened before (their places in the class list empty): the sweep at a year's opening passes them.
    if (used.classes > 0) (state.classList as unknown[]).length = used.classes;
    if (used.actors > 0) {
      (state.audit.actors as unknown[])[2 ** 30] = undefined;
      state.audit.actors.length = used.actors;
    }
  };

type Way = 'off' | 'sealBlocks' | 'lag 0' | 'always';
const WAYS: ReadonlyArray<Way> = ['off', 'sealBlocks', 'lag 0', 'always'];

const POISON = 2 ** 52 + 0.5;

/**
 * Garbage in every freed slot of a sealed block (the holes of marks and attendance, the spare
 * block of grades: a block cut from one must write each slot before it is read) and in the sealing scratch (read only while a block is sealed).
 */
const poison = (state: SchoolLedgerState): void => {
  const { tables } = state;
  for (let h = 0; h < tables.holes.length; h += 2) (tables.arenas[tables.holes[h] as number] as number[]).fill(POISON, tables.holes[h + 1] as number, (tables.holes[h + 1] as number) + MARKS_PER_CHUNK * MARK_SLOTS);
  const { attendanceHoles } = tables;
  for (let h = 0; h < attendanceHoles.length; h += 2)
    (tables.arenas[attendanceHoles[h] as number] as number[]).fill(POISON, attendanceHoles[h + 1] as number, (attendanceHoles[h + 1] as number) + ENTRIES_PER_ATTENDANCE_CHUNK * ATTENDANCE_SLOTS);
  const spare = state.audit.spareGradeBlock;
  if (spare !== null) (tables.arenas[spare[0]] as number[]).fill(POISON, spare[1], spare[1] + MARKS_PER_CHUNK * GRADE_SLOTS);
  tables.sealScratch.fill(POISON);
  tables.sealLeast.fill(POISON);
  tables.sealMost.fill(-POISON);
  tables.sealWidths.fill(9);
};

const projectionsOf = (way: Way, options: ReplayOptions, prepare: (state: SchoolLedgerState) => void): SchoolProjections => {
  const p = schoolProjections({ ...options, ...(way === 'sealBlocks' ? { sealBlocks: true } : {}) });
  prepare(p.state);
  if (way === 'lag 0' || way === 'always') p.state.tables.sealLag = 0;
  return p;
};

const applyEach = (p: SchoolProjections, way: Way, events: ReadonlyArray<RecordedEvent>): void => {
  for (const recorded of events) {
    p.apply(recorded);
    if (way === 'always') sealEveryBlock(p.state);
    if (way !== 'off') poison(p.state);
  }
};

/** Every mark of every class and subject as `markAt` gives it, each pupil's entries and numbers, and each mark found again by its id. */
const everyMark = (state: SchoolLedgerState) =>
  state.classList.flatMap((cls) =>
    cls === undefined
      ? []
      : [...cls.subjects.values()].map((subject) => ({
          marks: Array.from({ length: markCount(subject) }, (_, i) => markAt(state, subject, i)),
          entries: [...marksEntriesByPupil(subject)],
          numbers: [...markNumbersByPupil(subject)],
          found: Array.from({ length: markCount(subject) }, (_, i) => [markNumberOf(subject, markIdAt(subject, i), markPupilAt(subject, i)), markNumberOf(subject, markIdAt(subject, i))]),
        })),
  );

const everything = (p: SchoolProjections) => ({ queries: everyQuery(p), marks: everyMark(p.state) });

/** Folds `events` each way, comparing everything at `cut` and at the end; a sealed state cloned at `cut` (`structuredClone`) folds the rest alike. */
const foldEachWay = (events: ReadonlyArray<RecordedEvent>, cut: number, prepare: (state: SchoolLedgerState) => void, options: ReplayOptions = { ruleSets }): Map<Way, SchoolLedgerState> => {
  const folds = WAYS.map((way) => ({ way, p: projectionsOf(way, options, prepare) }));
  for (const { way, p } of folds) applyEach(p, way, events.slice(0, cut));
  const atCut = folds.map(({ p }) => everything(p));
  for (const seen of atCut.slice(1)) expect(seen).toEqual(atCut[0]);
  const clone = structuredClone(folds[2]?.p.state) as SchoolLedgerState;
  for (const { way, p } of folds) applyEach(p, way, events.slice(cut));
  const atEnd = folds.map(({ p }) => everything(p));
  for (const seen of atEnd.slice(1)) expect(seen).toEqual(atEnd[0]);
  // (The bare fold: only without the replay's filters.)
  if (options.asOf === undefined && options.sinceSchoolYear === undefined) {
    for (const recorded of events.slice(cut)) {
      schoolLedgerProjection.apply(clone, recorded);
      poison(clone);
    }
    expect(everyMark(clone)).toEqual(atEnd[0]?.marks);
  }
  return new Map(folds.map(({ way, p }) => [way, p.state]));
};

const sealedMarkCount = (state: SchoolLedgerState): number =>
  state.classList.reduce((n, cls) => n + (cls === undefined ? 0 : [...cls.subjects.values()].reduce((m, s) => m + Array.from({ length: markCount(s) }, (_, i) => i).filter((i) => isMarkSealedAt(s, i)).length, 0)), 0);

/** The widths (bytes an entry) of the columns of every sealed block of marks (7 columns: see `sealMarkBlock`). */
const columnWidths = (state: SchoolLedgerState): Set<number> => {
  const { tables } = state;
  const widths = new Set<number>();
  const heads = state.classList.flatMap((cls) => (cls === undefined ? [] : [...cls.subjects.values()].flatMap((subject) => subject.marks.filter((m) => m < 0).map((m) => -1 - m))));
  for (const head of heads) {
    const where = tables.sealedBlocks[head] as number;
    const bytes = tables.sealedSlabs[Math.floor(where / SEALED_SLAB_BYTES)] as Uint8Array;
    const at = where % SEALED_SLAB_BYTES;
    for (let c = 0; c < 7; c++) widths.add((bytes[at + c + 1] as number) - (bytes[at + c] as number));
  }
  return widths;
};

describe('sealed blocks of marks, adversarially', () => {
  it('answer as slots do over several school years: marks and changes to classes of years long over, many subjects sharing holes, ids and values at every limit', () => {
    let unsealedAfterYearOver = 0;
    let reused = 0;
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 31 - 1 }), fc.integer({ min: 300, max: 2_500 }), fc.integer({ min: 2, max: 4 }), fc.constantFrom(1, 2 ** 31 - 900), fc.nat(), (seed, size, years, firstPosition, cut) => {
        const events = yearsHistory(seed, size, years, firstPosition);
        const folds = foldEachWay(events, cut % (events.length + 1), () => undefined);
        const off = folds.get('off') as SchoolLedgerState;
        const sealBlocks = folds.get('sealBlocks') as SchoolLedgerState;
        expect(sealedMarkCount(off)).toBe(0);
        expect(off.tables.sealCounts.sealed).toBe(0);
        unsealedAfterYearOver += sealBlocks.tables.sealCounts.unsealed;
        reused += sealBlocks.tables.sealCounts.holesReused;
      }),
      { numRuns: 3, examples: [[20_181, 2_500, 4, 2 ** 31 - 900, 1_300]] },
    );
    // The lag-1 fold (what `sealBlocks` does) did unseal blocks for changes and late marks, and cut blocks from holes.
    expect(unsealedAfterYearOver).toBeGreaterThan(0);
    expect(reused).toBeGreaterThan(0);
  });

  it('answer as slots do when value numbers, moments and actors run past what a slot holds', () => {
    let beside = 0;
    const widths = new Set<number>();
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 2 ** 31 - 1 }),
        fc.record({
          values: fc.oneof(fc.constant(0), fc.integer({ min: PAIR_UNIT - 300, max: PAIR_UNIT + 2 })),
          moments: fc.oneof(fc.constant(0), fc.integer({ min: MOMENT_UNIT - 400, max: MOMENT_UNIT + 2 })),
          actors: fc.oneof(fc.constant(0), fc.integer({ min: 2 ** 21 - 200, max: 2 ** 21 + 2 })),
          // Template numbers whose codes need 5, 6 or 7 bytes beside small ones, and the last a code holds (2^21 - 2).
          templates: fc.oneof(fc.constant(0), fc.integer({ min: 2 ** 8, max: 2 ** 9 }), fc.integer({ min: 2 ** 16, max: 2 ** 17 }), fc.integer({ min: 2 ** 21 - 8, max: 2 ** 21 - 1 })),
          classes: fc.constantFrom(0, 3, 300),
        }),
        fc.nat(),
        (seed, used, cut) => {
          const events = yearsHistory(seed, 900, 2, 1);
          const folds = foldEachWay(events, cut % (events.length + 1), prepareUsed(used));
          const always = folds.get('always') as SchoolLedgerState;
          for (const width of columnWidths(always)) widths.add(width);
          for (const cls of always.classList)
            if (cls !== undefined)
              for (const subject of cls.subjects.values())
                beside += [...(subject.markPupilOn?.keys() ?? []), ...(subject.markPositions?.keys() ?? []), ...(subject.markOverflow?.keys() ?? [])].filter((i) => isMarkSealedAt(subject, i)).length;
        },
      ),
      {
        numRuns: 3,
        examples: [
          [5, { values: PAIR_UNIT - 150, moments: MOMENT_UNIT - 200, actors: 2 ** 21 - 100, templates: 2 ** 21 - 5, classes: 3 }, 450],
          [6, { values: 0, moments: 0, actors: 0, templates: 2 ** 9, classes: 300 }, 300],
          // Small template numbers: a block mixing an id of no template with templated ones spans 2^32 to 2^40 (5 bytes).
          [7, { values: 0, moments: 0, actors: 0, templates: 0, classes: 0 }, 100],
        ],
      },
    );
    // Sealed blocks did hold marks whose numbers are kept beside the slots, and columns of every width.
    expect(beside).toBeGreaterThan(0);
    expect([...widths].sort()).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });

  it('answer as-of and since-a-school-year replays as slots do', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 31 - 1 }), fc.nat(), fc.constantFrom(undefined, 2021, 2022), fc.nat(), (seed, pick, sinceSchoolYear, cut) => {
        const events = yearsHistory(seed, 1_200, 3, 1);
        const asOf = events[pick % events.length]?.event.metadata.recordedAt as string;
        const options: ReplayOptions = { ruleSets, asOf, ...(sinceSchoolYear === undefined ? {} : { sinceSchoolYear }) };
        foldEachWay(events, cut % (events.length + 1), () => undefined, options);
      }),
      { numRuns: 4 },
    );
  });
});
