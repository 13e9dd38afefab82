import * as fc from 'fast-check';
import * as E from 'fp-ts/Either';
import { describe, expect, it } from 'vitest';
import { asLedgerEvents, buildSmallSchool, projectionSpecification } from '@grade-ledger/testing';
import { evolveClassJournal, initialClassJournalState } from '../classJournal/state';
import { foldEvents } from '../decider/decider';
import type { RecordedEvent } from '../eventStore/eventStore';
import { inMemoryEventStore } from '../eventStore/inMemoryEventStore';
import type { Actor } from '../events/metadata';
import type { EventPayload } from '../events/registry';
import { auditSummary, auditTrailProjection, gradeHistory, gradeOverrides, journalChanges, markHistory, planChanges } from './auditTrail';
import type { SchoolLedgerState } from './schoolLedger';

const teacher: Actor = { id: 'teacher-01', role: 'subjectTeacher' };
const deputy: Actor = { id: 'deputy-01', role: 'deputyDirector' };
const director: Actor = { id: 'director-01', role: 'director' };

let position = 0;
const onStream = (
  streamId: string,
  payloads: ReadonlyArray<EventPayload>,
  as: { readonly actor?: Actor; readonly reason?: string; readonly occurredAt?: string } = {},
): ReadonlyArray<RecordedEvent> =>
  asLedgerEvents(payloads, { actor: as.actor ?? teacher, idPrefix: `e${position}`, occurredAt: as.occurredAt ?? '2023-09-04T09:00:00Z', ...(as.reason === undefined ? {} : { reason: as.reason }) }).map(
    (event, i) => ({ event, streamId, streamRevision: i, globalPosition: ++position }),
  );

const calendar = {
  schoolYearId: '2023-2024',
  startsOn: '2023-09-01',
  endsOn: '2024-05-31',
  terms: [{ number: 1, startsOn: '2023-09-01', endsOn: '2023-10-27' }],
  halfYears: [],
  ruleSetId: 'kz-current',
};
const opened = (classId: string): EventPayload => ({ type: 'ClassOpened', data: { classId, gradeLevel: 7, letter: 'A', classTeacherId: 'teacher-05', calendar } });
const assigned: EventPayload = { type: 'SubjectAssigned', data: { subjectId: 'mathematics', teacherId: 'teacher-01', hoursPerWeek: 4, gradingMode: 'scored' } };
const mark = (markId: string, value: number): EventPayload => ({ type: 'FormativeMarkRecorded', data: { subjectId: 'mathematics', markId, lessonId: 'L1', pupilId: 'pupil-0001', mark: value } });

const history: ReadonlyArray<RecordedEvent> = [
  ...onStream('class-7A', [opened('7A'), assigned], { actor: director }),
  ...onStream('class-8A', [opened('8A'), assigned], { actor: director }),
  ...onStream('class-7A', [mark('m1', 6), { type: 'SummativeScoreRecorded', data: { subjectId: 'mathematics', markId: 'm2', summativeId: 't1-soch', pupilId: 'pupil-0001', points: 14 } }]),
  // The same mark id in another class is another mark.
  ...onStream('class-8A', [mark('m1', 9)]),
  ...onStream('class-7A', [{ type: 'MarkCorrected', data: { subjectId: 'mathematics', markId: 'm1', pupilId: 'pupil-0001', supersedesEventId: 'e4.0', value: { kind: 'formative', mark: 8 } } }], {
    reason: 'Typing error',
    occurredAt: '2023-09-04T15:00:00Z',
  }),
  ...onStream('class-7A', [{ type: 'SummativeScoreModerated', data: { subjectId: 'mathematics', markId: 'm2', pupilId: 'pupil-0001', points: 16 } }], {
    actor: deputy,
    reason: 'Appeal upheld',
    occurredAt: '2023-10-20T11:00:00Z',
  }),
  ...onStream('class-7A', [{ type: 'MarkAnnulled', data: { subjectId: 'mathematics', markId: 'm1', pupilId: 'pupil-0001', supersedesEventId: 'e7.0' } }], { reason: 'Wrong pupil' }),
  ...onStream('class-7A', [{ type: 'AttendanceMarked', data: { subjectId: 'mathematics', attendanceId: 'a1', lessonId: 'L1', pupilId: 'pupil-0002', code: 'unexcused' } }]),
  ...onStream('class-7A', [{ type: 'AttendanceCorrected', data: { subjectId: 'mathematics', attendanceId: 'a1', pupilId: 'pupil-0002', supersedesEventId: 'e7.0', code: 'excused' } }], {
    actor: { id: 'teacher-05', role: 'classTeacher' },
    reason: "Parent's note",
  }),
  ...onStream('class-7A', [
    { type: 'PeriodGradeFinalized', data: { subjectId: 'mathematics', pupilId: 'pupil-0001', period: { kind: 'term', number: 1 }, grade: 4, recommendation: { grade: 4, percentage: '147/2' }, ruleSetId: 'kz-current' } },
  ]),
  ...onStream('class-7A', [
    {
      type: 'PeriodGradeFinalized',
      data: { subjectId: 'mathematics', pupilId: 'pupil-0002', period: { kind: 'term', number: 1 }, grade: 5, recommendation: { grade: 4, percentage: '83/1' }, ruleSetId: 'kz-current', overrideReason: 'Commission review' },
    },
  ], { actor: deputy }),
];

describe('audit trail projection', () => {
  it('counts events by role and lists every change and override with who, when and why', () => {
    projectionSpecification(auditTrailProjection)
      .given(history)
      .then((state: SchoolLedgerState) => {
        expect(auditSummary(state)).toEqual({
          totalEvents: history.length,
          byRole: [
            { role: 'classTeacher', events: 1, actors: 1 },
            { role: 'deputyDirector', events: 2, actors: 1 },
            { role: 'director', events: 4, actors: 1 },
            { role: 'subjectTeacher', events: 7, actors: 1 },
          ],
          moderations: 1,
          corrections: 1,
          annulments: 1,
          attendanceCorrections: 1,
          overrides: 1,
          resits: 0,
        });
        expect(journalChanges(state).map((c) => [c.action, c.actor.id, c.reason, c.classId])).toEqual([
          ['corrected', 'teacher-01', 'Typing error', '7A'],
          ['moderated', 'deputy-01', 'Appeal upheld', '7A'],
          ['annulled', 'teacher-01', 'Wrong pupil', '7A'],
          ['attendanceCorrected', 'teacher-05', "Parent's note", '7A'],
        ]);
        const attendance = journalChanges(state)[3];
        expect(attendance?.action === 'attendanceCorrected' && [attendance.from, attendance.to]).toEqual(['unexcused', 'excused']);
        expect(gradeOverrides(state).map((o) => [o.pupilId, o.grade, o.recommended, o.percentage, o.overrideReason, o.actor.role])).toEqual([
          ['pupil-0002', 5, 4, '83/1', 'Commission review', 'deputyDirector'],
        ]);
      });
  });

  it('gives every finalized grade with who finalized it, the recommendation, and whether and why it differs', () => {
    const state = foldEvents(auditTrailProjection, history);
    expect(gradeHistory(state).map((g) => [g.level, g.pupilId, g.grade, g.recommended, g.overridden, g.overrideReason, g.actor.role, g.teacherId])).toEqual([
      ['period', 'pupil-0001', 4, 4, false, null, 'subjectTeacher', 'teacher-01'],
      ['period', 'pupil-0002', 5, 4, true, 'Commission review', 'deputyDirector', 'teacher-01'],
    ]);
    expect(gradeHistory(state, { pupilId: 'pupil-0002' }).map((g) => g.eventId)).toEqual([gradeOverrides(state)[0]?.eventId]);
    expect(gradeHistory(state, { level: 'year' })).toEqual([]);
  });

  it("gives a mark's full history: recorded, corrected, annulled, each superseding the one before", () => {
    const state = foldEvents(auditTrailProjection, history);
    const m1 = markHistory(state, 'm1', '7A');
    expect(m1.map((e) => [e.action, e.value, e.previous, e.reason, e.occurredAt])).toEqual([
      ['recorded', { kind: 'formative', mark: 6 }, null, null, '2023-09-04T09:00:00Z'],
      ['corrected', { kind: 'formative', mark: 8 }, { kind: 'formative', mark: 6 }, 'Typing error', '2023-09-04T15:00:00Z'],
      ['annulled', null, { kind: 'formative', mark: 8 }, 'Wrong pupil', '2023-09-04T09:00:00Z'],
    ]);
    expect(m1[1]?.supersedesEventId).toBe(m1[0]?.eventId);
    expect(m1.every((e) => e.lessonId === 'L1')).toBe(true);
    // A moderation names no superseded event: the trail takes the one that last set the mark.
    const m2 = markHistory(state, 'm2');
    expect(m2.map((e) => [e.action, e.value, e.supersedesEventId === m2[0]?.eventId || e.action === 'recorded'])).toEqual([
      ['recorded', { kind: 'summative', points: 14 }, true],
      ['moderated', { kind: 'summative', points: 16 }, true],
    ]);
    // Without a class: every class's mark of that id, in ledger order.
    expect(markHistory(state, 'm1').map((e) => e.classId)).toEqual(['7A', '8A', '7A', '7A']);
    expect(markHistory(state, 'nope')).toEqual([]);
  });

  it('is a fold: any chunking of the events gives the same state', () => {
    fc.assert(
      fc.property(fc.array(fc.nat(history.length), { maxLength: 6 }), (cuts) => {
        const bounds = [0, ...[...cuts].sort((a, b) => a - b), history.length];
        let state = auditTrailProjection.initialState();
        for (let i = 1; i < bounds.length; i++) state = foldEvents(auditTrailProjection, history.slice(bounds[i - 1], bounds[i]), state);
        expect(state).toEqual(foldEvents(auditTrailProjection, history));
      }),
    );
  });
});

describe('plan changes in the audit trail', () => {
  const lesson = (lessonId: string, date: string): EventPayload => ({ type: 'LessonPlanned', data: { subjectId: 'mathematics', lessonId, date, period: 1, unit: 'Unit 1', topic: `Topic ${lessonId}`, hours: 1 } });
  const plan: ReadonlyArray<RecordedEvent> = [
    ...onStream('class-9A', [opened('9A'), assigned, lesson('L1', '2023-09-04'), lesson('L2', '2023-09-06'), lesson('L3', '2023-09-08')], { actor: director }),
    ...onStream('class-9A', [{ type: 'SummativePlanned', data: { subjectId: 'mathematics', summativeId: 's1', lessonId: 'L3', kind: 'section', maxPoints: 20 } }]),
    ...onStream('class-9A', [{ type: 'PlanApproved', data: { subjectId: 'mathematics' } }], { actor: deputy }),
    ...onStream('class-9A', [{ type: 'LessonRescheduled', data: { subjectId: 'mathematics', lessonId: 'L1', date: '2023-09-05', period: 2 } }], { reason: 'Teacher ill' }),
    ...onStream('class-9A', [{ type: 'LessonRescheduled', data: { subjectId: 'mathematics', lessonId: 'L1', date: '2023-09-07', period: 3 } }], { reason: 'Holiday moved' }),
    ...onStream('class-9A', [{ type: 'LessonTopicRevised', data: { subjectId: 'mathematics', lessonId: 'L2', topic: 'Fractions, revised' } }]),
    ...onStream('class-9A', [{ type: 'SummativeCancelled', data: { subjectId: 'mathematics', summativeId: 's1' } }], { actor: deputy, reason: 'Flood: school closed' }),
    ...onStream('class-9A', [{ type: 'LessonCancelled', data: { subjectId: 'mathematics', lessonId: 'L3' } }], { actor: deputy, reason: 'Flood: school closed' }),
    ...onStream('class-9A', [{ type: 'ExemptionGranted', data: { subjectId: 'mathematics', exemptionId: 'x1', pupilId: 'pupil-0003', from: '2023-09-10', to: '2023-09-20', ground: 'medical' } }], { actor: deputy, reason: 'Medical certificate' }),
    ...onStream('class-9A', [{ type: 'PupilTransferred', data: { pupilId: 'pupil-0003', on: '2023-09-21', toClassId: '9B' } }], { actor: director }),
  ];

  it('lists every change to the plan, the summatives and who sits the subject: who, when, why, what it was before', () => {
    const state = foldEvents(auditTrailProjection, plan);
    const changes = planChanges(state);
    expect(changes.map((c) => [c.action, c.actor.id, c.reason])).toEqual([
      ['planApproved', 'deputy-01', null],
      ['lessonRescheduled', 'teacher-01', 'Teacher ill'],
      ['lessonRescheduled', 'teacher-01', 'Holiday moved'],
      ['topicRevised', 'teacher-01', null],
      ['summativeCancelled', 'deputy-01', 'Flood: school closed'],
      ['lessonCancelled', 'deputy-01', 'Flood: school closed'],
      ['exemptionGranted', 'deputy-01', 'Medical certificate'],
      ['pupilTransferred', 'director-01', null],
    ]);
    expect(changes[1]).toMatchObject({ classId: '9A', subjectId: 'mathematics', lessonId: 'L1', from: '2023-09-04', to: '2023-09-05', streamId: 'class-9A' });
    expect(changes[2]).toMatchObject({ from: '2023-09-05', to: '2023-09-07' });
    expect(changes[3]).toMatchObject({ lessonId: 'L2', from: 'Topic L2', to: 'Fractions, revised' });
    expect(changes[4]).toMatchObject({ summativeId: 's1', kind: 'section' });
    expect(changes[6]).toMatchObject({ pupilId: 'pupil-0003', from: '2023-09-10', to: '2023-09-20', ground: 'medical' });
    expect(changes[7]).toMatchObject({ pupilId: 'pupil-0003', on: '2023-09-21', toClassId: '9B' });
    expect(changes.map((c) => c.globalPosition)).toEqual([...changes.map((c) => c.globalPosition)].sort((a, b) => a - b));
    // A fresh value: later events do not change what a query gave.
    const before = JSON.stringify(changes);
    foldEvents(auditTrailProjection, onStream('class-9A', [{ type: 'PupilWithdrawn', data: { pupilId: 'pupil-0004', on: '2023-09-22' } }]), state);
    expect(JSON.stringify(changes)).toBe(before);
    expect(planChanges(state).at(-1)).toMatchObject({ action: 'pupilWithdrawn', pupilId: 'pupil-0004', on: '2023-09-22' });
  });
});

describe('audit trail over a generated school', () => {
  it("agrees with the class journal: each mark's last value, and every overridden grade", async () => {
    const store = inMemoryEventStore();
    const built = await buildSmallSchool({ seed: 5, since: 2022, until: 2023, store });
    if (E.isLeft(built)) throw new Error(built.left.message);
    const events = store.allEvents();
    const state = foldEvents(auditTrailProjection, events);
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 3000 }), async (pageSize) => {
        let paged = auditTrailProjection.initialState();
        for await (const page of store.readAll({ pageSize })) paged = foldEvents(auditTrailProjection, page, paged);
        expect(auditSummary(paged)).toEqual(auditSummary(state));
        expect(journalChanges(paged)).toEqual(journalChanges(state));
        expect(planChanges(paged)).toEqual(planChanges(state));
      }),
      { numRuns: 5 },
    );
    expect(auditSummary(state).totalEvents).toBe(events.length);
    // Every plan, summative and roster change is listed once, in ledger order, with its event's id.
    const listed = new Set(['PlanApproved', 'LessonRescheduled', 'LessonCancelled', 'LessonTopicRevised', 'SummativeCancelled', 'ExemptionGranted', 'PupilTransferred', 'PupilWithdrawn']);
    expect(planChanges(state).map((c) => c.eventId)).toEqual(events.filter((e) => listed.has(e.event.type)).map((e) => e.event.metadata.eventId));
    expect(planChanges(state).length).toBeGreaterThan(0);
    expect(auditSummary(state).overrides).toBe(2);
    let marks = 0;
    for (const c of built.right.summary.classes) {
      const journal = foldEvents(
        { evolve: evolveClassJournal, initialState: initialClassJournalState },
        events.filter((e) => e.streamId === `class-${c.classId}`).map((e) => e.event),
      );
      if (journal.status !== 'open') throw new Error(`class ${c.classId} not opened`);
      for (const subject of journal.subjects.values())
        for (const record of subject.pupils.values())
          for (const [markId, current] of record.marks) {
            const last = markHistory(state, markId, c.classId).at(-1);
            expect(last?.eventId).toBe(current.lastEventId);
            expect(last?.value ?? null).toEqual(current.annulled ? null : current.kind === 'formative' ? { kind: 'formative', mark: current.mark } : { kind: 'summative', points: current.points });
            marks++;
          }
    }
    expect(marks).toBeGreaterThan(500);
  });
});
