/**
 * The README's example, whole: open a school year and a class, plan a lesson, record a mark,
 * and see a refused command. `examples/quickstart.test.ts` runs it, so it stays true.
 */
import * as E from 'fp-ts/Either';
import { pipe } from 'fp-ts/function';
import {
  classCalendarOf,
  classJournalDecider,
  classStreamId,
  commandHandler,
  inMemoryEventStore,
  journalRulesFromRuleSets,
  kazakhstanRuleSets,
  schoolYearDecider,
  schoolYearStreamId,
  type Actor,
  type SchoolYearOpenedData,
} from '@grade-ledger/core';

const director: Actor = { id: 'staff-director', role: 'director' };
const mathTeacher: Actor = { id: 'teacher-03', role: 'subjectTeacher' };

const year2019: SchoolYearOpenedData = {
  schoolYearId: '2019-2020',
  startYear: 2019,
  startsOn: '2019-09-01',
  endsOn: '2020-05-31',
  terms: [
    { number: 1, startsOn: '2019-09-02', endsOn: '2019-10-25' },
    { number: 2, startsOn: '2019-11-04', endsOn: '2019-12-27' },
    { number: 3, startsOn: '2020-01-09', endsOn: '2020-03-20' },
    { number: 4, startsOn: '2020-03-30', endsOn: '2020-05-25' },
  ],
  halfYears: [
    { number: 1, startsOn: '2019-09-02', endsOn: '2019-12-27' },
    { number: 2, startsOn: '2020-01-09', endsOn: '2020-05-25' },
  ],
  ruleSetId: 'kz-older-g1-marks',
};

export const quickstart = async () => {
  // The shipped rule sets; options move the unverified boundary dates (docs/rules.md).
  const ruleSets = pipe(
    kazakhstanRuleSets(),
    E.getOrElseW((error) => {
      throw new Error(error.message);
    }),
  );
  const store = inMemoryEventStore();
  const clock = () => '2019-09-02T08:00:00Z'; // your clock: the core never reads one
  const years = commandHandler(schoolYearDecider(ruleSets.map((r) => r.id)), { store, clock });
  const classes = commandHandler(classJournalDecider(journalRulesFromRuleSets(ruleSets)), { store, clock });
  const at = (commandId: string, actor: Actor, occurredAt = '2019-09-01T09:00:00Z') => ({ commandId, actor, occurredAt });

  await years(schoolYearStreamId(year2019.schoolYearId), { type: 'OpenSchoolYear', data: year2019, metadata: at('open-year', director) });
  const stream = classStreamId('2019-5A');
  const setUp = [
    { type: 'OpenClass', data: { classId: '2019-5A', gradeLevel: 5, letter: 'А', classTeacherId: 'teacher-07', calendar: classCalendarOf(year2019) } },
    { type: 'AssignSubject', data: { subjectId: 'math', teacherId: 'teacher-03', hoursPerWeek: 4, gradingMode: 'scored' } },
    { type: 'EnrolPupil', data: { pupilId: 'pupil-0007', on: '2019-09-02' } },
  ] as const;
  for (const [index, command] of setUp.entries()) await classes(stream, { ...command, metadata: at(`setup-${index}`, director) });
  await classes(stream, {
    type: 'PlanLesson',
    data: { subjectId: 'math', lessonId: 'math-2019-09-03', date: '2019-09-03', period: 2, unit: 'Fractions', topic: 'Common fractions', hours: 1 },
    metadata: at('plan-1', mathTeacher),
  });

  const recorded = await classes(stream, {
    type: 'RecordFormativeMark',
    data: { subjectId: 'math', markId: 'm-1', lessonId: 'math-2019-09-03', pupilId: 'pupil-0007', mark: 8 },
    metadata: at('cmd-42', mathTeacher, '2019-09-03T09:15:00Z'),
  });
  const refused = await classes(stream, {
    type: 'RecordFormativeMark',
    data: { subjectId: 'math', markId: 'm-2', lessonId: 'math-2019-09-03', pupilId: 'pupil-0099', mark: 9 },
    metadata: at('cmd-43', mathTeacher, '2019-09-03T09:16:00Z'),
  });
  return { store, recorded, refused };
};
