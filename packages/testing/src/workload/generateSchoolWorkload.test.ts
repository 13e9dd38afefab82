import { isDeepStrictEqual } from 'node:util';
import * as E from 'fp-ts/Either';
import { describe, expect, it } from 'vitest';
import {
  classJournalDecider,
  decodeEvent,
  journalRulesFromRuleSets,
  kazakhstanRuleSets,
  schoolYearDecider,
  type ClassJournalCommand,
  type ClassJournalState,
  type LedgerEvent,
  type RecordedEvent,
  type RuleSet,
  type SchoolYearState,
} from '@grade-ledger/core';
import { generateSchoolWorkload, resolveWorkloadOptions, workloadSummary, type WorkloadOptions } from './generateSchoolWorkload';

const ruleSets: ReadonlyArray<RuleSet> = (() => {
  const shipped = kazakhstanRuleSets();
  if (E.isLeft(shipped)) throw new Error(shipped.left.message);
  return shipped.right;
})();
const decidersOf = (sets: ReadonlyArray<RuleSet>) => ({ journal: classJournalDecider(journalRulesFromRuleSets(sets)), years: schoolYearDecider(sets.map((r) => r.id)) });
const rules = journalRulesFromRuleSets(ruleSets);
const shippedDeciders = decidersOf(ruleSets);

/** The class journal command an event stands for: its type and the command's data. */
const commandOf = (event: LedgerEvent): { readonly type: ClassJournalCommand['type']; readonly data: unknown } => {
  switch (event.type) {
    case 'ClassOpened':
      return { type: 'OpenClass', data: event.data };
    case 'SubjectAssigned':
      return { type: 'AssignSubject', data: event.data };
    case 'PupilEnrolled':
      return { type: 'EnrolPupil', data: event.data };
    case 'PupilTransferred':
      return { type: 'TransferPupil', data: event.data };
    case 'PupilWithdrawn':
      return { type: 'WithdrawPupil', data: event.data };
    case 'LessonPlanned':
      return { type: 'PlanLesson', data: event.data };
    case 'LessonRescheduled':
      return { type: 'RescheduleLesson', data: event.data };
    case 'LessonCancelled':
      return { type: 'CancelLesson', data: event.data };
    case 'LessonTopicRevised':
      return { type: 'ReviseLessonTopic', data: event.data };
    case 'SummativePlanned':
      return { type: 'PlanSummative', data: event.data };
    case 'SummativeCancelled':
      return { type: 'CancelSummative', data: event.data };
    case 'PlanApproved':
      return { type: 'ApprovePlan', data: event.data };
    case 'FormativeMarkRecorded':
      return { type: 'RecordFormativeMark', data: event.data };
    case 'SummativeScoreRecorded':
      return { type: 'RecordSummativeScore', data: event.data };
    case 'SummativeScoreModerated':
      return { type: 'ModerateSummativeScore', data: event.data };
    case 'MarkCorrected': {
      const { supersedesEventId: _, ...data } = event.data;
      return { type: 'CorrectMark', data };
    }
    case 'MarkAnnulled': {
      const { supersedesEventId: _, ...data } = event.data;
      return { type: 'AnnulMark', data };
    }
    case 'AttendanceMarked':
      return { type: 'MarkAttendance', data: event.data };
    case 'AttendanceCorrected': {
      const { supersedesEventId: _, ...data } = event.data;
      return { type: 'CorrectAttendance', data };
    }
    case 'ExemptionGranted':
      return { type: 'GrantExemption', data: event.data };
    case 'PeriodGradeFinalized': {
      const { subjectId, pupilId, period, grade, overrideReason } = event.data;
      return { type: 'FinalizePeriodGrade', data: { subjectId, pupilId, period, grade, ...(overrideReason === undefined ? {} : { overrideReason }) } };
    }
    case 'YearGradeFinalized': {
      const { subjectId, pupilId, grade, overrideReason } = event.data;
      return { type: 'FinalizeYearGrade', data: { subjectId, pupilId, grade, ...(overrideReason === undefined ? {} : { overrideReason }) } };
    }
    case 'ResitResultRecorded':
      return { type: 'RecordResitResult', data: { subjectId: event.data.subjectId, pupilId: event.data.pupilId, testGrade: event.data.testGrade } };
    default:
      throw new Error(`no class journal command records ${event.type}`);
  }
};

/**
 * Replays the events through the deciders: for each one, the command it stands for (same data,
 * actor, time, reason; command id = event id without `.0`) must be accepted on the stream's
 * state so far and emit exactly this one payload. Returns the problems found (at most `limit`).
 */
const checkAgainstDeciders = (events: ReadonlyArray<RecordedEvent>, limit = 10, { journal, years } = shippedDeciders): ReadonlyArray<string> => {
  const problems: string[] = [];
  const classStates = new Map<string, ClassJournalState>();
  const yearStates = new Map<string, SchoolYearState>();
  const revisions = new Map<string, number>();
  const eventIds = new Set<string>();
  const lastOccurred = new Map<string, string>();
  for (const [index, recorded] of events.entries()) {
    if (problems.length >= limit) break;
    const { event, streamId } = recorded;
    const where = `#${recorded.globalPosition} ${event.type} on ${streamId}`;
    const { eventId, causationId, occurredAt, recordedAt } = event.metadata;
    if (recorded.globalPosition !== index + 1) problems.push(`${where}: global position, expected ${index + 1}`);
    const revision = (revisions.get(streamId) ?? -1) + 1;
    revisions.set(streamId, revision);
    if (recorded.streamRevision !== revision) problems.push(`${where}: stream revision ${recorded.streamRevision}, expected ${revision}`);
    if (eventIds.has(eventId)) problems.push(`${where}: event id ${eventId} used twice`);
    eventIds.add(eventId);
    if (eventId !== `${causationId}.0`) problems.push(`${where}: event id ${eventId} is not <causationId>.0`);
    if (recordedAt < occurredAt) problems.push(`${where}: recorded ${recordedAt} before it occurred ${occurredAt}`);
    const previous = lastOccurred.get(streamId);
    if (previous !== undefined && occurredAt < previous) problems.push(`${where}: occurred ${occurredAt}, before the stream's previous event (${previous})`);
    lastOccurred.set(streamId, occurredAt);
    const decoded = decodeEvent(event);
    if (E.isLeft(decoded)) problems.push(`${where}: does not decode: ${decoded.left.message}`);
    const metadata = {
      commandId: causationId,
      actor: event.metadata.actor,
      occurredAt,
      correlationId: event.metadata.correlationId,
      ...(event.metadata.reason === undefined ? {} : { reason: event.metadata.reason }),
    };
    if (streamId.startsWith('schoolYear-')) {
      const state = yearStates.get(streamId) ?? years.initialState();
      const decided = years.decide({ type: 'OpenSchoolYear', data: event.data as never, metadata }, state);
      if (E.isLeft(decided)) problems.push(`${where}: refused: ${decided.left.message}`);
      else if (!isDeepStrictEqual(decided.right, [{ type: event.type, data: event.data }])) problems.push(`${where}: decided ${JSON.stringify(decided.right)}`);
      yearStates.set(streamId, years.evolve(state, event));
      continue;
    }
    const state = classStates.get(streamId) ?? journal.initialState();
    const command = { ...commandOf(event), metadata } as ClassJournalCommand;
    const decided = journal.decide(command, state);
    if (E.isLeft(decided)) problems.push(`${where}: ${command.type} refused: ${decided.left.kind}: ${decided.left.message}`);
    else if (!isDeepStrictEqual(decided.right, [{ type: event.type, data: event.data }])) problems.push(`${where}: decided ${JSON.stringify(decided.right)}`);
    classStates.set(streamId, journal.evolve(state, event));
  }
  return problems;
};

/** A tiny school: grade 1 (no marks from 2020), grade 3 (pass/fail, half-year subjects), grade 7. */
const tiny = (overrides: Partial<WorkloadOptions> = {}): WorkloadOptions => ({
  seed: 11,
  since: 2019,
  until: 2020,
  classesPerGradeLevel: 1,
  pupilsPerClass: 5,
  gradeLevels: [1, 3, 7],
  subjectsPerClass: 12,
  ...overrides,
});

const generate = (options: WorkloadOptions): ReadonlyArray<RecordedEvent> => [...generateSchoolWorkload(options)];

describe('generateSchoolWorkload', () => {
  it('emits only what the deciders would emit for the commands the events stand for (2019-2021: grade 1 marked, then not)', () => {
    const events = generate(tiny());
    expect(events.length).toBeGreaterThan(10_000);
    expect(checkAgainstDeciders(events)).toEqual([]);
  });

  it('the check finds a tampered event: a grade that is not the recommendation, a score above the maximum, a reused id', () => {
    const events = generate(tiny({ until: 2019, gradeLevels: [7], subjectsPerClass: 3 }));
    const tamper = (type: string, change: (event: LedgerEvent) => LedgerEvent): ReadonlyArray<RecordedEvent> => {
      const at = events.findIndex((r) => r.event.type === type);
      expect(at, type).toBeGreaterThan(0);
      return events.map((r, i) => (i === at ? { ...r, event: change(r.event) } : r));
    };
    const withData = (event: LedgerEvent, data: Record<string, unknown>) => ({ ...event, data: { ...event.data, ...data } }) as LedgerEvent;
    const graded = events.find((r) => r.event.type === 'PeriodGradeFinalized' && typeof r.event.data.grade === 'number');
    const grade = graded?.event.type === 'PeriodGradeFinalized' ? Number(graded.event.data.grade) : 3;
    expect(checkAgainstDeciders(events)).toEqual([]);
    expect(checkAgainstDeciders(events.map((r) => (r === graded ? { ...r, event: withData(r.event, { grade: grade === 5 ? 4 : grade + 1 }) } : r)))).not.toEqual([]);
    expect(checkAgainstDeciders(tamper('SummativeScoreRecorded', (e) => withData(e, { points: 100 })))).not.toEqual([]);
    expect(checkAgainstDeciders(tamper('FormativeMarkRecorded', (e) => ({ ...e, metadata: { ...e.metadata, eventId: 'c.2019-7A.0.0' } })))).not.toEqual([]);
  });

  it('also under the current rule set, with more pupils and a few subjects (2023-2024)', () => {
    const events = generate(tiny({ seed: 5, since: 2023, until: 2023, pupilsPerClass: 12, gradeLevels: [2, 9], subjectsPerClass: 7 }));
    expect(checkAgainstDeciders(events)).toEqual([]);
  });

  it('also with withdrawals, joiners, overrides and a re-sit (seed 8, two grade-8 classes)', () => {
    const events = generate({ seed: 8, since: 2023, until: 2023, classesPerGradeLevel: 2, pupilsPerClass: 25, gradeLevels: [8], subjectsPerClass: 6 });
    const types = new Set(events.map((r) => r.event.type));
    for (const type of ['PupilWithdrawn', 'ResitResultRecorded', 'LessonCancelled', 'MarkAnnulled', 'SummativeScoreModerated', 'AttendanceCorrected'] as const) expect(types, type).toContain(type);
    expect(events.some((r) => r.event.type === 'PeriodGradeFinalized' && r.event.data.overrideReason !== undefined && r.event.metadata.actor.role === 'deputyDirector')).toBe(true);
    expect(events.some((r) => r.event.type === 'YearGradeFinalized' && r.event.data.overrideReason !== undefined)).toBe(true);
    expect(checkAgainstDeciders(events)).toEqual([]);
  });

  it('records no re-sit for a pupil who failed more subjects than the rule set allows re-sits for: the year is repeated (resit.maxFailedSubjects)', () => {
    const options: WorkloadOptions = { seed: 8, since: 2023, until: 2023, classesPerGradeLevel: 2, pupilsPerClass: 25, gradeLevels: [8], subjectsPerClass: 6 };
    const failingYearGrades = (events: ReadonlyArray<RecordedEvent>): Map<string, number> => {
      const failing = new Map<string, number>();
      for (const { event } of events)
        if (event.type === 'YearGradeFinalized' && rules.isFailingGrade(event.data.ruleSetId, 8, event.data.grade)) failing.set(event.data.pupilId, (failing.get(event.data.pupilId) ?? 0) + 1);
      return failing;
    };
    const resitPupils = (events: ReadonlyArray<RecordedEvent>): ReadonlyArray<string> => events.flatMap(({ event }) => (event.type === 'ResitResultRecorded' ? [event.data.pupilId] : []));
    // Under the shipped rules (at most 2 failed subjects) this school has re-sits...
    const shipped = generate(options);
    expect(resitPupils(shipped).length).toBeGreaterThan(0);
    for (const pupil of resitPupils(shipped)) expect(failingYearGrades(shipped).get(pupil) ?? 0).toBeLessThanOrEqual(2);
    // ...and under rule sets that allow none (a pupil failing any subject repeats the year), the same school has none, and the deciders accept it.
    const stricter = ruleSets.map((r) => ({ ...r, resit: { ...r.resit, maxFailedSubjects: 0 } }));
    const events = generate({ ...options, ruleSets: stricter });
    expect(failingYearGrades(events).size).toBeGreaterThan(0);
    expect(resitPupils(events)).toEqual([]);
    expect(checkAgainstDeciders(events, 10, decidersOf(stricter))).toEqual([]);
  });

  it('is deterministic: the same seed gives byte-identical JSON, another seed another history', () => {
    const options = tiny({ until: 2019, gradeLevels: [4], subjectsPerClass: 4 });
    const first = JSON.stringify(generate(options));
    expect(JSON.stringify(generate(options))).toBe(first);
    expect(JSON.stringify(generate({ ...options, seed: 12 }))).not.toBe(first);
  });

  it('has the documented shape: about 6% absences, about 1% changed marks, grade 1 without marks from 2020', () => {
    const options = tiny({ since: 2019, until: 2021, pupilsPerClass: 20, gradeLevels: [1, 2, 6] });
    const summary = workloadSummary(options);
    const absences = (summary.eventsByType['AttendanceMarked'] ?? 0) / summary.pupilLessons;
    expect(absences).toBeGreaterThan(0.045);
    expect(absences).toBeLessThan(0.075);
    const changed = summary.markChanges / summary.marks;
    expect(changed).toBeGreaterThan(0.005);
    expect(changed).toBeLessThan(0.02);
    expect(summary.schoolYears.map((y) => y.ruleSetId)).toEqual(['kz-older-g1-marks', 'kz-older', 'kz-older']);

    const events = generate(options);
    const gradeOneMarks = (schoolYear: string) =>
      events.filter(
        (r) => r.streamId === `class-${schoolYear}-1A` && (r.event.type === 'FormativeMarkRecorded' || r.event.type === 'SummativeScoreRecorded' || r.event.type === 'PeriodGradeFinalized'),
      ).length;
    expect(gradeOneMarks('2019')).toBeGreaterThan(0);
    expect(gradeOneMarks('2020')).toBe(0);
    expect(gradeOneMarks('2021')).toBe(0);
    // Pupils move up with their class: the 2020 grade 2 is the 2019 grade 1.
    const enrolled = (classId: string) =>
      new Set(events.flatMap((r) => (r.streamId === `class-${classId}` && r.event.type === 'PupilEnrolled' ? [r.event.data.pupilId] : [])));
    const moved = [...enrolled('2019-1A')].filter((p) => enrolled('2020-2A').has(p));
    expect(moved.length).toBeGreaterThan(15);
    // Every summative count rule: at most 3 СОР per subject and period, one СОЧ per subject and term.
    const perPeriod = new Map<string, number>();
    for (const r of events)
      if (r.event.type === 'SummativePlanned') {
        const [, period] = r.event.data.summativeId.split('.');
        const key = `${r.streamId}/${r.event.data.subjectId}/${period}/${r.event.data.kind}`;
        perPeriod.set(key, (perPeriod.get(key) ?? 0) + 1);
      }
    for (const [key, n] of perPeriod) expect(n, key).toBeLessThanOrEqual(key.endsWith('/term') ? 1 : 3);
    expect(summary.events).toBe(events.length);
  });

  it('refuses bad options with the field and value named', () => {
    const bad = resolveWorkloadOptions({ pupilsPerClass: 0 });
    expect(E.isLeft(bad) && bad.left).toMatchObject({ kind: 'InvalidWorkloadOption', field: 'pupilsPerClass', value: 0 });
    expect(() => [...generateSchoolWorkload({ until: 2010 })]).toThrow(/until 2010/);
  });
});
