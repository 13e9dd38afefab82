import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { RecordedEvent } from '../eventStore/eventStore';
import { foldProjection, markAt, markCount, markNumbersByPupil, markPupilAt, schoolLedgerProjection } from './index';
import { attendanceByPupil, attendanceOfPupil, gradeAt, gradeCount, lessonsOf } from './schoolLedger';
import { appendSlotBlock, MOMENT_UNIT, PAIR_UNIT } from './ledgerTables';
import type { SchoolLedgerState } from './schoolLedger';
import * as E from 'fp-ts/Either';
import { arbClassHistory } from '@grade-ledger/testing';
import { journalRulesFromRuleSets } from '../classJournal/journalRulesFromRuleSets';
import { kazakhstanRuleSets } from '../rules/kazakhstan';
import { onStream } from '../replay/testSupport';
import { attendanceSummaryOf } from './attendance';
import { gradeHistory, journalChanges, markHistory, planChanges } from './auditTrail';
import { classAnalyticsOf } from './classAnalytics';
import { classJournalOf } from './classJournalView';
import { reportCardOf } from './reportCard';
import { termResultsOf } from './termResults';

/*
 * The fold packs two small numbers into one slot where both fit (a pupil's and a lesson's value
 * numbers, say: see `PAIR_UNIT`), and keeps them elsewhere when one does not. A state reaches
 * those limits only after decades of events; these properties put it just below them (its tables
 * given as many values, moments or actors as if so many had been used before), then fold events
 * whose numbers fall just at and past each limit: every entry must read back as recorded.
 */

const calendar = { schoolYearId: '2023-2024', startsOn: '2023-09-01', endsOn: '2024-05-31', terms: [{ number: 1, startsOn: '2023-09-01', endsOn: '2023-10-27' }], halfYears: [], ruleSetId: 'kz-current' };
const actor = { id: 'teacher-01', role: 'subjectTeacher' } as const;

type Payload = { readonly type: string; readonly data: Record<string, unknown> };

/** Payloads as class 7A's recorded events, each at its own minute (a moment each) from `firstPosition` on. */
const recordedOf = (payloads: ReadonlyArray<Payload>, firstPosition = 1): RecordedEvent[] =>
  payloads.map((payload, i) => {
    const occurredAt = new Date(Date.UTC(2023, 8, 4, 8) + i * 60_000).toISOString().replace('.000Z', 'Z');
    const metadata = { eventId: `e.${i}`, occurredAt, recordedAt: occurredAt, actor, correlationId: `e.${i}`, causationId: `e.${i}` };
    return { event: { type: payload.type, schemaVersion: 1, data: payload.data, metadata }, streamId: 'class-7A', streamRevision: i, globalPosition: firstPosition + i } as unknown as RecordedEvent;
  });

const opening: ReadonlyArray<Payload> = [
  { type: 'ClassOpened', data: { classId: '7A', gradeLevel: 7, letter: 'A', classTeacherId: 'teacher-05', calendar } },
  { type: 'SubjectAssigned', data: { subjectId: 'mathematics', teacherId: 'teacher-01', hoursPerWeek: 4, gradingMode: 'scored' } },
];

/**
 * An empty list given the length `used`, as if so many entries came before. A far entry set first
 * makes V8 keep it as a dictionary: below 2^25 entries it would otherwise give the next push a
 * backing store of the whole length (256 MB, a second per run).
 */
const usedLength = (list: unknown[], used: number): void => {
  list[2 ** 30] = undefined;
  list.length = used;
};

/** A state whose tables already number `used` values (its list's length set, as if so many had been used). */
const stateWithValuesUsed = (used: number): SchoolLedgerState => {
  const state = schoolLedgerProjection.init();
  usedLength(state.tables.values, used);
  return state;
};

/**
 * A state whose tables have already made `used` moments: the block of the next one cut (blocks of
 * 1,024 moments, 2 slots each), as the fold would have cut it.
 */
const stateWithMomentsUsed = (used: number): SchoolLedgerState => {
  const state = schoolLedgerProjection.init();
  const { tables } = state;
  const block = Math.floor(used / 1024);
  tables.moments.length = block;
  tables.momentBases.length = block;
  if (used % 1024 !== 0) appendSlotBlock(tables, tables.moments, tables.momentBases, 2048);
  tables.momentCount = used;
  return state;
};

/** A state that has already numbered `values` values, made `moments` moments, opened `classes` classes and seen `actors` actors. */
const stateWith = (used: { readonly values: number; readonly moments: number; readonly classes: number; readonly actors: number }): SchoolLedgerState => {
  const state = stateWithMomentsUsed(used.moments);
  usedLength(state.tables.values, used.values);
  (state.classList as unknown[]).length = used.classes;
  (state.audit.actors as unknown[]).length = used.actors;
  return state;
};

/** Moment numbers from a few below the limit of the slot they share with a position to a few past it. */
const nearMomentLimit = fc.integer({ min: MOMENT_UNIT - 6, max: MOMENT_UNIT + 1 });
/** First global positions: small, or a few below 2^31 (the position's limit there) to past it. */
const nearPositionLimit = fc.oneof(fc.constant(1), fc.integer({ min: 2 ** 31 - 8, max: 2 ** 31 + 1 }));

/** Value numbers from a few below the pair limit to a few past it. */
const nearPairLimit = fc.integer({ min: PAIR_UNIT - 12, max: PAIR_UNIT + 1 });

describe('school ledger fold: numbers at and past the limits of the slots they share', () => {
  it("give back each mark's pupil and what it was given on, and find it for a change, whatever their value numbers", () => {
    const recording = fc.array(fc.tuple(fc.nat(3), fc.nat(3), fc.integer({ min: 1, max: 10 }), fc.boolean()), { minLength: 1, maxLength: 14 });
    fc.assert(
      fc.property(nearPairLimit, recording, fc.array(fc.tuple(fc.nat(20), fc.oneof(fc.integer({ min: 1, max: 10 }), fc.constant(null))), { maxLength: 4 }), (used, marks, changes) => {
        type Expected = { markId: string; pupilId: string; kind: 'formative' | 'summative'; on: string; value: number; annulled: boolean };
        const expected: Expected[] = [];
        const payloads: Payload[] = [...opening];
        marks.forEach(([pupil, on, value, summative], k) => {
          const mark = { markId: `m${k}`, pupilId: `pupil-${pupil}`, kind: summative ? 'summative' : 'formative', on: summative ? `sor-${on}` : `L${on}`, value, annulled: false } as const;
          expected.push({ ...mark });
          payloads.push(
            summative
              ? { type: 'SummativeScoreRecorded', data: { subjectId: 'mathematics', markId: mark.markId, summativeId: mark.on, pupilId: mark.pupilId, points: value } }
              : { type: 'FormativeMarkRecorded', data: { subjectId: 'mathematics', markId: mark.markId, lessonId: mark.on, pupilId: mark.pupilId, mark: value } },
          );
        });
        for (const [k, value] of changes) {
          const mark = expected[k % expected.length] as Expected;
          if (value === null) {
            mark.annulled = true;
            payloads.push({ type: 'MarkAnnulled', data: { subjectId: 'mathematics', markId: mark.markId, pupilId: mark.pupilId } });
          } else {
            mark.value = value;
            const changed = mark.kind === 'formative' ? { kind: 'formative', mark: value } : { kind: 'summative', points: value };
            payloads.push({ type: 'MarkCorrected', data: { subjectId: 'mathematics', markId: mark.markId, pupilId: mark.pupilId, value: changed } });
          }
        }
        const state = foldProjection(schoolLedgerProjection, recordedOf(payloads), stateWithValuesUsed(used));
        const subject = state.classes.get('7A')?.subjects.get('mathematics');
        if (subject === undefined) throw new Error('no subject');
        const kept = Array.from({ length: markCount(subject) }, (_, i) => {
          const m = markAt(state, subject, i);
          return { markId: m.markId, pupilId: markPupilAt(subject, i), kind: m.kind, on: m.on, value: m.value, annulled: m.annulled };
        });
        expect(kept).toEqual(expected);
        const byPupil = new Map<string, number[]>();
        expected.forEach((m, i) => byPupil.set(m.pupilId, [...(byPupil.get(m.pupilId) ?? []), i]));
        expect(markNumbersByPupil(subject)).toEqual(byPupil);
        // The changes found their marks: as many as the changes that named a mark.
        expect(kept.filter((_, i) => (markAt(state, subject, i).changes?.length ?? 0) > 0).length).toBe(new Set(changes.map(([k]) => k % expected.length)).size);
      }),
      { numRuns: 150 },
    );
  });

  it("give back each mark's global position, instants and event, whatever its moment's number and its position", () => {
    fc.assert(
      fc.property(nearMomentLimit, nearPositionLimit, fc.integer({ min: 1, max: 10 }), (moments, firstPosition, count) => {
        const payloads: Payload[] = [...opening];
        for (let k = 0; k < count; k++) payloads.push({ type: 'FormativeMarkRecorded', data: { subjectId: 'mathematics', markId: `m${k}`, lessonId: 'L1', pupilId: `pupil-${k % 3}`, mark: 5 } });
        const events = recordedOf(payloads, firstPosition);
        const state = foldProjection(schoolLedgerProjection, events, stateWithMomentsUsed(moments));
        const subject = state.classes.get('7A')?.subjects.get('mathematics');
        if (subject === undefined) throw new Error('no subject');
        const kept = Array.from({ length: markCount(subject) }, (_, i) => {
          const m = markAt(state, subject, i);
          return { eventId: m.eventId, occurredAt: m.occurredAt, recordedAt: m.recordedAt, globalPosition: m.globalPosition };
        });
        expect(kept).toEqual(
          events.slice(opening.length).map(({ event, globalPosition }) => ({ eventId: event.metadata.eventId, occurredAt: event.metadata.occurredAt, recordedAt: event.metadata.recordedAt, globalPosition })),
        );
      }),
      { numRuns: 150 },
    );
  });

  it('give back the global position of a mark and of a grade as the store gave it, -0, negative or fractional included', () => {
    // A store's positions are counts from 0 or 1; the fold keeps any other number exactly all the same (as it did before the pairs).
    const position = fc.oneof(fc.constantFrom(-0, 0, -1, 0.5, 2 ** 31 - 1, 2 ** 31, 2 ** 53), fc.nat());
    fc.assert(
      fc.property(position, position, (markPosition, gradePosition) => {
        const events = recordedOf([
          ...opening,
          { type: 'FormativeMarkRecorded', data: { subjectId: 'mathematics', markId: 'm1', lessonId: 'L1', pupilId: 'pupil-1', mark: 5 } },
          { type: 'YearGradeFinalized', data: { subjectId: 'mathematics', pupilId: 'pupil-1', grade: 5, recommendation: null, ruleSetId: 'kz-current' } },
        ]).map((recorded, i) => (i === opening.length ? { ...recorded, globalPosition: markPosition } : i === opening.length + 1 ? { ...recorded, globalPosition: gradePosition } : recorded));
        const state = foldProjection(schoolLedgerProjection, events);
        const subject = state.classes.get('7A')?.subjects.get('mathematics');
        if (subject === undefined) throw new Error('no subject');
        // toEqual compares numbers with Object.is: -0 must come back as -0.
        expect([markAt(state, subject, 0).globalPosition, gradeAt(state, 0).globalPosition]).toEqual([markPosition, gradePosition]);
      }),
      { examples: [[-0, -0]] },
    );
  });

  it('give back every field of a finalized grade, whatever the numbers of its actor, class, values, moment and position', () => {
    /** Grades: small, just at and past the largest integer a grade's field holds (1,000,000), labels, negative (-0 too), fractions. */
    const grade = fc.oneof(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 999_998, max: 1_000_001 }), fc.constantFrom('pass', 'fail', -1, -0, '7/2'));
    const finalized = fc.record({
      subjectId: fc.constantFrom('mathematics', 'physics'),
      pupil: fc.nat(3),
      period: fc.oneof(fc.constant(null), fc.integer({ min: 1, max: 4 })),
      grade,
      recommendation: fc.oneof(fc.constant(null), fc.record({ grade, percentage: fc.oneof(fc.constant(null), fc.constantFrom('2063/36', '60', '100/3')) })),
    });
    const used = fc.record({
      // The labels' limit (value numbers below 2^26 - 1,000,002, where a grade's field holds them) and the pairs' (2^26).
      values: fc.oneof(fc.constant(0), fc.integer({ min: PAIR_UNIT - 1_000_002 - 12, max: PAIR_UNIT - 1_000_002 + 1 }), nearPairLimit),
      moments: fc.oneof(fc.constant(0), nearMomentLimit),
      classes: fc.oneof(fc.constant(0), fc.integer({ min: 2 ** 16 - 2, max: 2 ** 16 + 1 })),
      actors: fc.oneof(fc.constant(0), fc.integer({ min: 2 ** 29 - 2, max: 2 ** 29 + 1 })),
    });
    fc.assert(
      fc.property(used, nearPositionLimit, fc.array(finalized, { minLength: 1, maxLength: 8 }), (before, firstPosition, grades) => {
        const payloads: Payload[] = [
          ...opening,
          ...grades.map((g) => {
            const common = { subjectId: g.subjectId, pupilId: `pupil-${g.pupil}`, grade: g.grade, recommendation: g.recommendation, ruleSetId: 'kz-current' };
            return g.period === null ? { type: 'YearGradeFinalized', data: common } : { type: 'PeriodGradeFinalized', data: { ...common, period: { kind: 'term', number: g.period } } };
          }),
        ];
        const events = recordedOf(payloads, firstPosition);
        const state = foldProjection(schoolLedgerProjection, events, stateWith(before));
        expect(gradeCount(state)).toBe(grades.length);
        const kept = grades.map((_, n) => {
          const g = gradeAt(state, n);
          return [g.eventId, g.actor, g.occurredAt, g.recordedAt, g.globalPosition, g.streamId, g.classId, g.level, g.period, g.subjectId, g.pupilId, g.grade, g.recommended, g.percentage, g.ruleSetId, g.teacherId];
        });
        expect(kept).toEqual(
          grades.map((g, n) => {
            const { event, globalPosition } = events[opening.length + n] as RecordedEvent;
            const { metadata } = event;
            const period = g.period === null ? null : { kind: 'term', number: g.period };
            return [metadata.eventId, actor, metadata.occurredAt, metadata.recordedAt, globalPosition, 'class-7A', '7A', g.period === null ? 'year' : 'period', period, g.subjectId, `pupil-${g.pupil}`, g.grade, g.recommendation?.grade ?? null, g.recommendation?.percentage ?? null, 'kz-current', g.subjectId === 'mathematics' ? 'teacher-01' : null];
          }),
        );
      }),
      {
        numRuns: 300,
        // Each number of a pair just past the limit while the other fits: the teacher's (2^26 - 2
        // values before: mathematics, then teacher-01 at 2^26 - 1, kept + 1), the rule set's (2^26 - 3:
        // the pupil at 2^26 - 1, kz-current at 2^26), the pupil's (2^26 - 2, physics first).
        examples: [
          [{ values: PAIR_UNIT - 2, moments: 0, classes: 0, actors: 0 }, 1, [{ subjectId: 'mathematics', pupil: 0, period: null, grade: 4, recommendation: null }]],
          [{ values: PAIR_UNIT - 3, moments: 0, classes: 0, actors: 0 }, 1, [{ subjectId: 'mathematics', pupil: 0, period: 1, grade: 4, recommendation: null }]],
          [{ values: PAIR_UNIT - 2, moments: 0, classes: 0, actors: 0 }, 1, [{ subjectId: 'physics', pupil: 0, period: 1, grade: 4, recommendation: null }]],
        ],
      },
    );
  });

  it("give back each absence's pupil, lesson and code in force, and find it for a correction, whatever their value numbers", () => {
    const marking = fc.array(fc.tuple(fc.nat(3), fc.nat(3), fc.constantFrom('unexcused', 'excused', 'late')), { minLength: 1, maxLength: 14 });
    fc.assert(
      fc.property(nearPairLimit, marking, fc.array(fc.tuple(fc.nat(20), fc.constantFrom('excused', 'present')), { maxLength: 4 }), (used, entries, corrections) => {
        type Expected = { attendanceId: string; pupilId: string; lessonId: string; code: string };
        const expected: Expected[] = entries.map(([pupil, lesson, code], k) => ({ attendanceId: `a${k}`, pupilId: `pupil-${pupil}`, lessonId: `L${lesson}`, code }));
        const payloads: Payload[] = [...opening, ...expected.map((a) => ({ type: 'AttendanceMarked', data: { subjectId: 'mathematics', ...a } }))];
        const from: string[] = [];
        for (const [k, code] of corrections) {
          const entry = expected[k % expected.length] as Expected;
          from.push(entry.code);
          entry.code = code;
          payloads.push({ type: 'AttendanceCorrected', data: { subjectId: 'mathematics', attendanceId: entry.attendanceId, pupilId: entry.pupilId, code } });
        }
        const state = foldProjection(schoolLedgerProjection, recordedOf(payloads), stateWithValuesUsed(used));
        const subject = state.classes.get('7A')?.subjects.get('mathematics');
        if (subject === undefined) throw new Error('no subject');
        const byPupil = new Map<string, Array<{ attendanceId: string; lessonId: string; code: string }>>();
        for (const { pupilId, ...entry } of expected) byPupil.set(pupilId, [...(byPupil.get(pupilId) ?? []), entry]);
        expect(attendanceByPupil(subject)).toEqual(byPupil);
        for (const [pupilId, pupilEntries] of byPupil) expect(attendanceOfPupil(subject, pupilId)).toEqual(pupilEntries);
        // Each correction found its entry: the audit names the code it replaced.
        expect(state.audit.changes.map((c) => (c.action === 'attendanceCorrected' ? c.from : undefined))).toEqual(from);
      }),
      { numRuns: 150 },
    );
  });

  it('give back each lesson of a plan as planned and changed, whatever its value numbers, period and hours', () => {
    /** Periods and hours: small, just at and past the largest a lesson's field holds (2^26 - 1), -0. */
    const small = fc.oneof(fc.integer({ min: 0, max: 8 }), fc.integer({ min: PAIR_UNIT - 2, max: PAIR_UNIT + 1 }), fc.constant(-0));
    const change = fc.tuple(fc.nat(20), fc.constantFrom('reschedule', 'cancel', 'revise'), fc.nat(3), small);
    fc.assert(
      // Dates, units and topics repeat (a lesson's id can then be the one of its numbers past the limit).
      fc.property(nearPairLimit, fc.array(fc.tuple(fc.nat(3), fc.nat(3), fc.nat(3), small, small), { minLength: 1, maxLength: 10 }), fc.array(change, { maxLength: 6 }), (used, planned, changes) => {
        type Lesson = { lessonId: string; date: string; period: number; unit: string; topic: string; hours: number; cancelled: boolean };
        const expected: Lesson[] = planned.map(([date, unit, topic, period, hours], k) => ({ lessonId: `L${k}`, date: `2023-09-0${date + 1}`, period, unit: `Unit ${unit}`, topic: `Topic ${topic}`, hours, cancelled: false }));
        const payloads: Payload[] = [...opening, ...expected.map(({ cancelled: _, ...lesson }) => ({ type: 'LessonPlanned', data: { subjectId: 'mathematics', ...lesson } }))];
        for (const [k, action, other, period] of changes) {
          const lesson = expected[k % expected.length] as Lesson;
          if (action === 'reschedule') {
            Object.assign(lesson, { date: `2023-10-0${other + 1}`, period });
            payloads.push({ type: 'LessonRescheduled', data: { subjectId: 'mathematics', lessonId: lesson.lessonId, date: lesson.date, period } });
          } else if (action === 'cancel') {
            lesson.cancelled = true;
            payloads.push({ type: 'LessonCancelled', data: { subjectId: 'mathematics', lessonId: lesson.lessonId } });
          } else {
            lesson.topic = `Revised ${other}`;
            payloads.push({ type: 'LessonTopicRevised', data: { subjectId: 'mathematics', lessonId: lesson.lessonId, topic: lesson.topic } });
          }
        }
        const state = foldProjection(schoolLedgerProjection, recordedOf(payloads), stateWithValuesUsed(used));
        const subject = state.classes.get('7A')?.subjects.get('mathematics');
        if (subject === undefined) throw new Error('no subject');
        // toEqual compares numbers with Object.is: -0 must come back as -0.
        expect(lessonsOf(subject)).toEqual(expected);
      }),
      { numRuns: 200 },
    );
  });

  it("answer every query of a class's history as a state far from the limits does, when its numbers cross them halfway (corrections, annulments, plan changes, re-sits included)", () => {
    const shipped = kazakhstanRuleSets();
    if (E.isLeft(shipped)) throw new Error(shipped.left.message);
    const ruleSets = shipped.right;
    const histories = arbClassHistory({ rules: journalRulesFromRuleSets(ruleSets), includeNoMarksSubjects: true });
    /** Every query of the state's classes, subjects, pupils and marks (the lower-level ones too). */
    const queries = (state: SchoolLedgerState) => {
      const classes = [...state.classes.values()];
      const pupils = [...new Set(classes.flatMap((cls) => [...cls.pupils.keys()]))].sort();
      return {
        subjects: classes.flatMap((cls) =>
          [...cls.subjects.values()].map((subject) => ({
            journal: classJournalOf(state, ruleSets, cls.classId, subject.subjectId),
            marks: Array.from({ length: markCount(subject) }, (_, i) => ({ ...markAt(state, subject, i), history: markHistory(state, markAt(state, subject, i).markId, cls.classId, { pupilId: markPupilAt(subject, i), subjectId: subject.subjectId }) })),
            byPupil: markNumbersByPupil(subject),
            attendance: attendanceByPupil(subject),
            attendanceOfPupils: pupils.map((pupil) => attendanceOfPupil(subject, pupil)),
            lessons: lessonsOf(subject),
          })),
        ),
        termResults: termResultsOf(state, ruleSets),
        reportCards: pupils.map((pupil) => reportCardOf(state, pupil)),
        attendance: attendanceSummaryOf(state),
        analytics: classAnalyticsOf(state, ruleSets, { groupBy: 'classSubject' }),
        grades: gradeHistory(state),
        changes: journalChanges(state),
        planChanges: planChanges(state),
      };
    };
    /** How far below each limit the state starts: the history's first values, moments and actors fit, later ones do not. */
    const below = fc.record({ values: fc.nat(300), labels: fc.boolean(), moments: fc.nat(200), classes: fc.boolean(), actors: fc.nat(3), firstPosition: fc.oneof(fc.constant(1), fc.integer({ min: 2 ** 31 - 300, max: 2 ** 31 })) });
    fc.assert(
      fc.property(histories, below, (history, near) => {
        const events = onStream(history.streamId, history.events, near.firstPosition);
        const far = foldProjection(schoolLedgerProjection, events);
        const crossing = foldProjection(
          schoolLedgerProjection,
          events,
          stateWith({
            values: near.labels ? PAIR_UNIT - 1_000_002 - near.values : PAIR_UNIT - near.values,
            moments: MOMENT_UNIT - near.moments,
            classes: near.classes ? 2 ** 16 : 0,
            actors: 2 ** 29 - near.actors,
          }),
        );
        expect(queries(crossing)).toEqual(queries(far));
      }),
      { numRuns: 40 },
    );
  });
});

