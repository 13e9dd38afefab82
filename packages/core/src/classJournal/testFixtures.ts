/**
 * Shared fixtures for the class journal's tests: the 2019-2020 school year (four terms, two
 * half-years), the 5"А" class with its subjects, teachers and pupils, a plan (КТП) of lessons
 * and summatives, and helpers to decide commands against a history.
 *
 * Histories are built by running commands through the real decider (with the real Kazakhstan
 * rule sets), so a fixture that breaks a rule fails loudly instead of testing an impossible
 * journal. Only for tests; not exported from the package.
 */
import * as E from 'fp-ts/Either';
import { expect } from 'vitest';
import type { SchoolYearOpenedData } from '../events/calendar';
import type { Actor } from '../events/metadata';
import { currentSchemaVersion, type EventPayload, type LedgerEvent } from '../events/registry';
import { foldEvents } from '../decider/decider';
import { kazakhstanRuleSetIds, kazakhstanRuleSets } from '../rules/kazakhstan';
import { classCalendarOf } from '../schoolYear/schoolYear';
import type { ClassJournalCommand, ClassJournalCommandData, ClassJournalCommandType } from './commands';
import { classJournalDecider } from './decider';
import type { ClassJournalError, ClassJournalErrorKind } from './errors';
import { journalRulesFromRuleSets } from './journalRulesFromRuleSets';

// --- rules ------------------------------------------------------------------------------

const unwrap = <L extends { readonly message: string }, A>(either: E.Either<L, A>): A => {
  if (E.isLeft(either)) throw new Error(either.left.message);
  return either.right;
};

export const ruleSets = unwrap(kazakhstanRuleSets());
export const rules = journalRulesFromRuleSets(ruleSets);
export const decider = classJournalDecider(rules);

// --- people (by opaque id only) ------------------------------------------------------------

export const actors = {
  director: { id: 'staff-director', role: 'director' },
  deputy: { id: 'staff-deputy', role: 'deputyDirector' },
  classTeacher: { id: 'staff-class', role: 'classTeacher' },
  math: { id: 'staff-math', role: 'subjectTeacher' },
  kazakh: { id: 'staff-kazakh', role: 'subjectTeacher' },
  russian: { id: 'staff-russian', role: 'subjectTeacher' },
  english: { id: 'staff-english', role: 'subjectTeacher' },
  selfKnowledge: { id: 'staff-selfknowledge', role: 'subjectTeacher' },
  music: { id: 'staff-music', role: 'subjectTeacher' },
  auditor: { id: 'auditor-01', role: 'auditor' },
  parent: { id: 'parent-001', role: 'parent' },
  pupil: { id: 'pupil-001', role: 'pupil' },
  system: { id: 'system', role: 'system' },
} as const satisfies Record<string, Actor>;

export const pupils = {
  /** A good pupil, in the class all year. */
  strong: 'pupil-001',
  /** A weak pupil, in the class all year (fails mathematics, re-sits). */
  weak: 'pupil-002',
  /** Transferred to 5"Б" on the first day of term 3. */
  transferred: 'pupil-003',
  /** Enrolled on the first day of term 2. */
  late: 'pupil-004',
  /** Withdrawn from the school on 2020-03-02 (term 3). */
  withdrawn: 'pupil-005',
} as const;

export const TRANSFER_ON = '2020-01-08';
export const LATE_ENROLMENT_ON = '2019-11-04';
export const WITHDRAWAL_ON = '2020-03-02';

// --- the school year 2019-2020 ---------------------------------------------------------------

/** Terms with holidays between them, as the ministry sets them each year. */
export const schoolYear2019: SchoolYearOpenedData = {
  schoolYearId: 'sy-2019-2020',
  startYear: 2019,
  startsOn: '2019-09-01',
  endsOn: '2020-05-31',
  terms: [
    { number: 1, startsOn: '2019-09-02', endsOn: '2019-10-25' },
    { number: 2, startsOn: '2019-11-04', endsOn: '2019-12-27' },
    { number: 3, startsOn: '2020-01-08', endsOn: '2020-03-20' },
    { number: 4, startsOn: '2020-03-30', endsOn: '2020-05-25' },
  ],
  halfYears: [
    { number: 1, startsOn: '2019-09-02', endsOn: '2019-12-27' },
    { number: 2, startsOn: '2020-01-08', endsOn: '2020-05-25' },
  ],
  // СОР 50% + СОЧ 50%, grade 1 still marked: the rule set in force until 2020-09-01.
  ruleSetId: kazakhstanRuleSetIds.olderWithGradeOneMarks,
};

export const calendar2019 = classCalendarOf(schoolYear2019);

export const CLASS_ID = '2019-5A';

// --- subjects ---------------------------------------------------------------------------------

export const subjects = {
  math: 'math',
  kazakh: 'kazakh-language',
  russian: 'russian-language',
  english: 'english-language',
  /** One hour a week: graded per half-year. */
  selfKnowledge: 'self-knowledge',
  /** Pass/fail (зачёт / незачёт). */
  music: 'music',
  /** Taught without marks. */
  choir: 'choir',
} as const;

// --- commands ---------------------------------------------------------------------------------

export type CommandOptions = { readonly reason?: string; readonly commandId?: string; readonly occurredAt?: string };

/** A class journal command as a user interface would send it. */
export const command = <T extends ClassJournalCommandType>(
  type: T,
  data: ClassJournalCommandData<T>,
  actor: Actor,
  options: CommandOptions = {},
): ClassJournalCommand =>
  ({
    type,
    data,
    metadata: {
      commandId: options.commandId ?? `cmd-${type}`,
      actor,
      occurredAt: options.occurredAt ?? '2019-09-02T03:00:00Z',
      ...(options.reason === undefined ? {} : { reason: options.reason }),
    },
  }) as ClassJournalCommand;

/** The same command sent by someone else. */
export const by = (c: ClassJournalCommand, actor: Actor): ClassJournalCommand => ({ ...c, metadata: { ...c.metadata, actor } });

/** A command whose data does not fit its type (a mark of 11 as text, a missing field...). */
export const rawCommand = (type: ClassJournalCommandType, data: unknown, actor: Actor, options: CommandOptions = {}): ClassJournalCommand =>
  command(type, data as never, actor, options);

/** Wraps payloads into recorded events; event ids are `<prefix>.<n>`. */
export const recorded = (
  payloads: ReadonlyArray<EventPayload>,
  actor: Actor,
  prefix: string,
  reason?: string,
): ReadonlyArray<LedgerEvent> =>
  payloads.map(
    (payload, n) =>
      ({
        type: payload.type,
        schemaVersion: currentSchemaVersion(payload.type),
        data: payload.data,
        metadata: {
          eventId: `${prefix}.${n}`,
          occurredAt: '2019-09-02T03:00:00Z',
          recordedAt: '2019-09-02T03:00:01Z',
          actor,
          correlationId: prefix,
          causationId: prefix,
          ...(reason === undefined ? {} : { reason }),
        },
      }) as LedgerEvent,
  );

/**
 * Runs commands one after the other on top of a history, as the command handler would, and
 * returns the longer history. A refused command is a broken fixture: it throws.
 */
export const after = (history: ReadonlyArray<LedgerEvent>, ...commands: ReadonlyArray<ClassJournalCommand>): ReadonlyArray<LedgerEvent> => {
  let state = foldEvents(decider, history);
  const events = [...history];
  for (const c of commands) {
    const decided = decider.decide(c, state);
    if (E.isLeft(decided)) throw new Error(`fixture command ${c.type} ${JSON.stringify(c.data)} was refused: ${decided.left.message}`);
    const news = recorded(decided.right, c.metadata.actor, `ev${events.length}`, c.metadata.reason);
    for (const event of news) state = decider.evolve(state, event);
    events.push(...news);
  }
  return events;
};

/** Decides a command against the state a history folds to. */
export const decideAfter = (history: ReadonlyArray<LedgerEvent>, c: ClassJournalCommand) => decider.decide(c, foldEvents(decider, history));

/** The command is accepted; returns what it records. */
export const expectAccepted = (history: ReadonlyArray<LedgerEvent>, c: ClassJournalCommand): ReadonlyArray<EventPayload> => {
  const result = decideAfter(history, c);
  if (E.isLeft(result)) throw new Error(`expected ${c.type} to be accepted, but it was refused: ${result.left.kind}: ${result.left.message}`);
  return result.right;
};

/**
 * The command is refused with an error of this kind whose message names every one of
 * `mentions` (the offending pupil, mark, date...); returns the error.
 */
export const expectRefused = (
  history: ReadonlyArray<LedgerEvent>,
  c: ClassJournalCommand,
  kind: ClassJournalErrorKind,
  ...mentions: ReadonlyArray<string | number>
): ClassJournalError => {
  const result = decideAfter(history, c);
  if (E.isRight(result)) throw new Error(`expected ${c.type} to be refused with ${kind}, but it recorded ${JSON.stringify(result.right)}`);
  expect(result.left.kind, result.left.message).toBe(kind);
  for (const mention of mentions) expect(result.left.message).toContain(String(mention));
  return result.left;
};

/** The id of the last event in a history that matches, e.g. the one that last set a mark. */
export const lastEventId = (history: ReadonlyArray<LedgerEvent>, matches: (event: LedgerEvent) => boolean): string => {
  const found = [...history].reverse().find(matches);
  if (found === undefined) throw new Error('no such event in the history');
  return found.metadata.eventId;
};

// --- the class: roster -------------------------------------------------------------------------

export const openClass = (overrides: Partial<ClassJournalCommandData<'OpenClass'>> = {}): ClassJournalCommand =>
  command(
    'OpenClass',
    { classId: CLASS_ID, gradeLevel: 5, letter: 'А', classTeacherId: actors.classTeacher.id, calendar: calendar2019, ...overrides },
    actors.director,
  );

const assign = (subjectId: string, teacher: Actor, hoursPerWeek: number, gradingMode: 'scored' | 'passFail' | 'noMarks') =>
  command('AssignSubject', { subjectId, teacherId: teacher.id, hoursPerWeek, gradingMode }, actors.director);

export const assignSubjects: ReadonlyArray<ClassJournalCommand> = [
  assign(subjects.math, actors.math, 5, 'scored'),
  assign(subjects.kazakh, actors.kazakh, 3, 'scored'),
  assign(subjects.russian, actors.russian, 3, 'scored'),
  assign(subjects.english, actors.english, 3, 'scored'),
  assign(subjects.selfKnowledge, actors.selfKnowledge, 1, 'scored'),
  assign(subjects.music, actors.music, 1, 'passFail'),
  assign(subjects.choir, actors.music, 1, 'noMarks'),
];

export const enrolments: ReadonlyArray<ClassJournalCommand> = [
  command('EnrolPupil', { pupilId: pupils.strong, on: '2019-09-02' }, actors.director),
  command('EnrolPupil', { pupilId: pupils.weak, on: '2019-09-02' }, actors.director),
  command('EnrolPupil', { pupilId: pupils.transferred, on: '2019-09-02' }, actors.director),
  command('EnrolPupil', { pupilId: pupils.late, on: LATE_ENROLMENT_ON }, actors.director),
  command('EnrolPupil', { pupilId: pupils.withdrawn, on: '2019-09-02' }, actors.director),
  command('TransferPupil', { pupilId: pupils.transferred, on: TRANSFER_ON, toClassId: '2019-5B' }, actors.deputy),
  command('WithdrawPupil', { pupilId: pupils.withdrawn, on: WITHDRAWAL_ON }, actors.deputy),
];

// --- the plan (КТП) ---------------------------------------------------------------------------

const teacherOf: Record<string, Actor> = {
  [subjects.math]: actors.math,
  [subjects.kazakh]: actors.kazakh,
  [subjects.russian]: actors.russian,
  [subjects.english]: actors.english,
  [subjects.selfKnowledge]: actors.selfKnowledge,
  [subjects.music]: actors.music,
  [subjects.choir]: actors.music,
};

export const teacherFor = (subjectId: string): Actor => {
  const teacher = teacherOf[subjectId];
  if (teacher === undefined) throw new Error(`no teacher for ${subjectId}`);
  return teacher;
};

export const planLesson = (subjectId: string, lessonId: string, date: string, period = 2): ClassJournalCommand =>
  command('PlanLesson', { subjectId, lessonId, date, period, unit: 'Unit 1', topic: `Topic of ${lessonId}`, hours: 1 }, teacherFor(subjectId));

export const planSummative = (subjectId: string, summativeId: string, lessonId: string, kind: 'section' | 'term', maxPoints: number): ClassJournalCommand =>
  command('PlanSummative', { subjectId, summativeId, lessonId, kind, maxPoints }, teacherFor(subjectId));

/** Mathematics lessons by id, with their dates. */
export const mathLessons = {
  t1a: { id: 'math-t1-01', date: '2019-09-03' },
  t1b: { id: 'math-t1-02', date: '2019-09-10' },
  t1Sor1: { id: 'math-t1-03', date: '2019-09-17' },
  t1Sor2: { id: 'math-t1-04', date: '2019-10-01' },
  t1Soch: { id: 'math-t1-05', date: '2019-10-15' },
  t1Free: { id: 'math-t1-06', date: '2019-10-22' },
  t1Last: { id: 'math-t1-07', date: '2019-10-25' },
  t2a: { id: 'math-t2-01', date: '2019-11-05' },
  t2Sor: { id: 'math-t2-02', date: '2019-11-19' },
  t3a: { id: 'math-t3-01', date: '2020-01-14' },
  t3Sor: { id: 'math-t3-02', date: '2020-02-04' },
  t4a: { id: 'math-t4-01', date: '2020-04-07' },
  t4Sor: { id: 'math-t4-02', date: '2020-04-21' },
} as const;

export const mathSummatives = {
  t1Sor1: { id: 'sor-math-t1-1', lesson: mathLessons.t1Sor1, max: 10 },
  t1Sor2: { id: 'sor-math-t1-2', lesson: mathLessons.t1Sor2, max: 10 },
  t1Soch: { id: 'soch-math-t1', lesson: mathLessons.t1Soch, max: 20 },
  t2Sor: { id: 'sor-math-t2-1', lesson: mathLessons.t2Sor, max: 10 },
  t3Sor: { id: 'sor-math-t3-1', lesson: mathLessons.t3Sor, max: 10 },
  t4Sor: { id: 'sor-math-t4-1', lesson: mathLessons.t4Sor, max: 10 },
} as const;

export const selfKnowledgeLessons = {
  h1a: { id: 'sk-h1-01', date: '2019-09-05' },
  h1Sor: { id: 'sk-h1-02', date: '2019-10-10' },
  h2a: { id: 'sk-h2-01', date: '2020-01-09' },
  h2Sor: { id: 'sk-h2-02', date: '2020-02-13' },
} as const;

/** The day the language subjects also have lessons, the same day as the mathematics СОЧ. */
export const SOCH_DAY = mathLessons.t1Soch.date;

export const plan: ReadonlyArray<ClassJournalCommand> = [
  ...Object.values(mathLessons).map((l) => planLesson(subjects.math, l.id, l.date)),
  ...Object.values(mathSummatives)
    .filter((s) => s.id !== mathSummatives.t1Soch.id)
    .map((s) => planSummative(subjects.math, s.id, s.lesson.id, 'section', s.max)),
  planSummative(subjects.math, mathSummatives.t1Soch.id, mathSummatives.t1Soch.lesson.id, 'term', mathSummatives.t1Soch.max),
  ...[subjects.kazakh, subjects.russian, subjects.english].flatMap((s) => [
    planLesson(s, `${s}-t1-soch`, SOCH_DAY, 3),
    planLesson(s, `${s}-t1-next`, '2019-10-16', 3),
  ]),
  ...Object.values(selfKnowledgeLessons).map((l) => planLesson(subjects.selfKnowledge, l.id, l.date)),
  planSummative(subjects.selfKnowledge, 'sor-sk-h1', selfKnowledgeLessons.h1Sor.id, 'section', 10),
  planSummative(subjects.selfKnowledge, 'sor-sk-h2', selfKnowledgeLessons.h2Sor.id, 'section', 10),
  planLesson(subjects.music, 'music-01', '2019-09-06'),
  planLesson(subjects.choir, 'choir-01', '2019-09-06'),
];

/** The class opened, subjects assigned, pupils enrolled (and moved), the plan made. */
export const classWithPlan: ReadonlyArray<LedgerEvent> = after([], openClass(), ...assignSubjects, ...enrolments, ...plan);

// --- marks --------------------------------------------------------------------------------------

export const formativeMark = (pupilId: string, lessonId: string, mark: number, markId = `fo-${pupilId}-${lessonId}`, subjectId: string = subjects.math) =>
  command('RecordFormativeMark', { subjectId, markId, lessonId, pupilId, mark }, teacherFor(subjectId));

export const summativeScore = (pupilId: string, summativeId: string, points: number, markId = `sc-${pupilId}-${summativeId}`, subjectId: string = subjects.math) =>
  command('RecordSummativeScore', { subjectId, markId, summativeId, pupilId, points }, teacherFor(subjectId));

export const finalizeTerm = (pupilId: string, term: number, grade: number | string, actor: Actor = actors.math, overrideReason?: string) =>
  command(
    'FinalizePeriodGrade',
    { subjectId: subjects.math, pupilId, period: { kind: 'term', number: term }, grade, ...(overrideReason === undefined ? {} : { overrideReason }) },
    actor,
  );

/**
 * Mathematics for the whole year: the strong pupil scores 80% everywhere (a "4" each term and
 * for the year), the weak one 20% (a "2"), with their term grades finalized as computed.
 */
export const mathScoresAllYear: ReadonlyArray<ClassJournalCommand> = [
  formativeMark(pupils.strong, mathLessons.t1a.id, 8),
  formativeMark(pupils.weak, mathLessons.t1a.id, 3),
  ...[pupils.strong, pupils.weak].flatMap((pupil) => {
    const share = pupil === pupils.strong ? 0.8 : 0.2;
    return Object.values(mathSummatives).map((s) => summativeScore(pupil, s.id, s.max * share));
  }),
];

export const mathTermsFinalized: ReadonlyArray<ClassJournalCommand> = [1, 2, 3, 4].flatMap((term) => [
  finalizeTerm(pupils.strong, term, 4),
  finalizeTerm(pupils.weak, term, 2),
]);

/** The class after a year of mathematics, term grades finalized, year grades not yet. */
export const mathYearToFinalize: ReadonlyArray<LedgerEvent> = after(classWithPlan, ...mathScoresAllYear, ...mathTermsFinalized);

export const yearGrade = (pupilId: string, grade: number | string, actor: Actor = actors.math, overrideReason?: string) =>
  command('FinalizeYearGrade', { subjectId: subjects.math, pupilId, grade, ...(overrideReason === undefined ? {} : { overrideReason }) }, actor);

export const resit = (pupilId: string, testGrade: number | string, actor: Actor = actors.math) =>
  command('RecordResitResult', { subjectId: subjects.math, pupilId, testGrade }, actor);

/** Year grades in: the weak pupil failed mathematics for the year. */
export const mathYearFinalized: ReadonlyArray<LedgerEvent> = after(mathYearToFinalize, yearGrade(pupils.strong, 4), yearGrade(pupils.weak, 2));
