import * as E from 'fp-ts/Either';
import * as fc from 'fast-check';
import {
  assessmentPeriodOf,
  classJournalDecider,
  datesOfPeriod,
  isEnrolledOn,
  periodMarksOf,
  periodsOfSubject,
  wasEnrolledDuring,
  type Actor,
  type ClassJournalCommand,
  type ClassJournalCommandData,
  type ClassJournalCommandType,
  type ClassJournalErrorKind,
  type GradeValue,
  type Instant,
  type JournalRules,
  type Lesson,
  type OpenClassState,
  type SubjectState,
} from '@grade-ledger/core';
import { arbClassHistory, type ClassHistory, type ClassHistoryOptions } from './classHistory';
import { addDays, arbId, arbInvalidFormativeMark, arbReadOnlyActor, instantOn } from './primitives';

/**
 * A command that breaks exactly one rule of the class journal, for the state at the end of a
 * history, with the kind of error the decider must give.
 */
export type InvalidCommandCase = {
  /** The rule broken, in words: "formative mark out of range", "4th СОР in a period", ... */
  readonly rule: string;
  readonly command: ClassJournalCommand;
  readonly expectedError: ClassJournalErrorKind;
  /**
   * The same command with its one fault put right, where there is one: the decider must accept
   * it, which shows that the fault is the only one (test/properties checks this).
   */
  readonly repaired?: ClassJournalCommand;
};

export type ClassHistoryWithInvalidCommand = { readonly history: ClassHistory; readonly invalid: InvalidCommandCase };

type Context = {
  readonly history: ClassHistory;
  readonly rules: JournalRules;
  readonly state: OpenClassState;
  readonly accepts: (command: ClassJournalCommand) => boolean;
  /** Formative marks the decider would accept now (computed once). */
  readonly markBases: () => ReadonlyArray<ClassJournalCommand>;
  readonly command: <T extends ClassJournalCommandType>(type: T, data: ClassJournalCommandData<T>, actor: Actor, occurredAt: Instant, reason?: string) => ClassJournalCommand;
};

type Breaker = (context: Context) => fc.Arbitrary<InvalidCommandCase> | undefined;

/** Lists as arbitraries: undefined when there is nothing to pick from. */
const pick = <A>(items: ReadonlyArray<A>): fc.Arbitrary<A> | undefined => (items.length === 0 ? undefined : fc.constantFrom(...items));

const withMetadata = (command: ClassJournalCommand, metadata: Partial<ClassJournalCommand['metadata']>): ClassJournalCommand =>
  ({ ...command, metadata: { ...command.metadata, ...metadata } }) as ClassJournalCommand;

const withoutReason = (command: ClassJournalCommand): ClassJournalCommand => {
  const { reason: _reason, ...metadata } = command.metadata;
  return { ...command, metadata } as ClassJournalCommand;
};

const withData = <T extends ClassJournalCommandType>(command: ClassJournalCommand, data: Partial<ClassJournalCommandData<T>>): ClassJournalCommand =>
  ({ ...command, data: { ...(command.data as object), ...data } }) as ClassJournalCommand;

const teacherOf = (subject: SubjectState): Actor => ({ id: subject.teacherId, role: 'subjectTeacher' });

const usableLessons = (subject: SubjectState): ReadonlyArray<Lesson> => [...subject.lessons.values()].filter((l) => !l.cancelled);

const lessonInstant = (lesson: Lesson): Instant => instantOn(lesson.date, 2 + lesson.period, 50);

/** Formative marks the decider would accept now: one per (subject, usable lesson, pupil), where allowed. */
const findMarkBases = (c: Omit<Context, 'markBases'>): ReadonlyArray<ClassJournalCommand> => {
  const bases: ClassJournalCommand[] = [];
  for (const subject of c.state.subjects.values())
    for (const lesson of usableLessons(subject))
      for (const pupilId of c.state.enrolments.keys()) {
        const command = c.command(
          'RecordFormativeMark',
          { subjectId: subject.subjectId, markId: `${lesson.lessonId}.new-${pupilId}`, lessonId: lesson.lessonId, pupilId, mark: 7 },
          teacherOf(subject),
          lessonInstant(lesson),
        );
        if (c.accepts(command)) bases.push(command);
      }
  return bases;
};

/** Summative scores the decider would accept now (points 0). */
const scoreBases = (c: Context): ReadonlyArray<{ readonly command: ClassJournalCommand; readonly maxPoints: number }> => {
  const bases: Array<{ command: ClassJournalCommand; maxPoints: number }> = [];
  for (const subject of c.state.subjects.values())
    for (const summative of subject.summatives.values()) {
      const lesson = subject.lessons.get(summative.lessonId);
      if (summative.cancelled || lesson === undefined || lesson.cancelled) continue;
      for (const pupilId of c.state.enrolments.keys()) {
        const command = c.command(
          'RecordSummativeScore',
          { subjectId: subject.subjectId, markId: `${summative.summativeId}.new-${pupilId}`, summativeId: summative.summativeId, pupilId, points: 0 },
          teacherOf(subject),
          lessonInstant(lesson),
        );
        if (c.accepts(command)) bases.push({ command, maxPoints: summative.maxPoints });
      }
    }
  return bases;
};

const breakers: ReadonlyArray<Breaker> = [
  // --- always applicable ---
  (c) =>
    fc.tuple(arbReadOnlyActor(), arbId('newcomer')).map(([actor, pupilId]) => {
      const repaired = c.command('EnrolPupil', { pupilId, on: c.history.schoolYear.endsOn }, c.history.staff.deputyDirector, instantOn(c.history.schoolYear.endsOn, 1));
      // The default access policy gives these roles no journal write scope.
      return { rule: `${actor.role} writes to the journal`, command: withMetadata(repaired, { actor }), expectedError: 'WriteRefused' as const, repaired };
    }),
  (c) =>
    fc.tuple(arbId('newcomer'), fc.integer({ min: 1, max: 200 }), fc.boolean()).map(([pupilId, days, before]) => {
      const year = c.history.schoolYear;
      const on = before ? addDays(year.startsOn, -days) : addDays(year.endsOn, days);
      const repaired = c.command('EnrolPupil', { pupilId, on: year.endsOn }, c.history.staff.deputyDirector, instantOn(year.endsOn, 1));
      return { rule: 'enrolment outside the school year', command: withData<'EnrolPupil'>(repaired, { on }), expectedError: 'DateOutsideSchoolYear' as const, repaired };
    }),
  (c) =>
    fc.constant({
      rule: 'class opened twice',
      command: c.command(
        'OpenClass',
        {
          classId: c.state.classId,
          gradeLevel: c.state.gradeLevel,
          letter: c.state.letter,
          classTeacherId: c.state.classTeacherId,
          calendar: c.state.calendar,
        },
        c.history.staff.director,
        instantOn(c.history.schoolYear.endsOn, 1),
      ),
      expectedError: 'ClassAlreadyOpened' as const,
    }),
  (c) => {
    const subjects = [...c.state.subjects.values()];
    return fc.constantFrom(...subjects).map((subject) => ({
      rule: 'mark on a lesson not in the plan',
      command: c.command(
        'RecordFormativeMark',
        { subjectId: subject.subjectId, markId: 'mark-on-unknown-lesson', lessonId: `${subject.subjectId}.unplanned`, pupilId: [...c.state.enrolments.keys()][0] ?? 'pupil-x', mark: 5 },
        teacherOf(subject),
        instantOn(c.history.schoolYear.endsOn, 3),
      ),
      expectedError: 'LessonNotFound' as const,
    }));
  },
  (c) =>
    fc.constant({
      rule: 'mark in a subject the class does not have',
      command: c.command(
        'RecordFormativeMark',
        { subjectId: 'unassigned-subject', markId: 'mark-x', lessonId: 'lesson-x', pupilId: [...c.state.enrolments.keys()][0] ?? 'pupil-x', mark: 5 },
        // A teacher of the class, so that the access policy lets them write to its journal.
        [...c.state.subjects.values()].map(teacherOf)[0] ?? c.history.staff.deputyDirector,
        instantOn(c.history.schoolYear.endsOn, 3),
      ),
      expectedError: 'SubjectNotAssigned' as const,
    }),

  // --- from formative marks the decider would accept ---
  (c) => {
    const bases = pick(c.markBases());
    return bases === undefined
      ? undefined
      : fc.tuple(bases, arbInvalidFormativeMark()).map(([repaired, mark]) => ({
          rule: 'formative mark out of range',
          command: withData<'RecordFormativeMark'>(repaired, { mark }),
          expectedError: 'InvalidCommand' as const,
          repaired,
        }));
  },
  (c) => {
    const bases = pick(c.markBases());
    if (bases === undefined) return undefined;
    return bases.chain((repaired) => {
      const data = repaired.data as ClassJournalCommandData<'RecordFormativeMark'>;
      const lesson = c.state.subjects.get(data.subjectId)?.lessons.get(data.lessonId);
      const absent = [...c.state.enrolments.entries()].filter(([, stays]) => lesson !== undefined && !isEnrolledOn(stays, lesson.date)).map(([id]) => id);
      const pupil = absent.length === 0 ? arbId('outsider') : fc.oneof(fc.constantFrom(...absent), arbId('outsider'));
      return pupil.map((pupilId) => ({
        rule: 'mark for a pupil not enrolled on the lesson date',
        command: withData<'RecordFormativeMark'>(repaired, { pupilId }),
        expectedError: 'PupilNotEnrolled' as const,
        repaired,
      }));
    });
  },
  (c) => {
    const bases = pick(c.markBases());
    return bases === undefined
      ? undefined
      : fc
          .tuple(
            bases,
            fc.oneof(
              arbId('substitute').map((id): Actor => ({ id, role: 'subjectTeacher' })),
              fc.constant<'classTeacher'>('classTeacher'),
              fc.constant(c.history.staff.classTeacher),
            ),
          )
          .map(([repaired, other]) => {
            // A substitute who teaches nothing in the class, the subject's own teacher acting as class teacher, or the class teacher.
            const actor: Actor = other === 'classTeacher' ? { id: repaired.metadata.actor.id, role: 'classTeacher' } : other;
            // The access policy lets a class teacher write to their own class only (ownClass), and a subject teacher
            // to the classes they teach (taughtClasses); within it, only the subject's own teacher marks it.
            const reachesClass = actor.role === 'classTeacher' ? actor.id === c.state.classTeacherId : [...c.state.subjects.values()].some((s) => s.teacherId === actor.id);
            return {
              rule: 'mark by someone not the subject teacher',
              command: withMetadata(repaired, { actor }),
              expectedError: reachesClass ? ('NotEntitled' as const) : ('WriteRefused' as const),
              repaired,
            };
          });
  },
  (c) => {
    const bases = pick(c.markBases());
    return bases === undefined
      ? undefined
      : bases.map((repaired) => ({
          rule: 'mark on a lesson not in the plan',
          command: withData<'RecordFormativeMark'>(repaired, { lessonId: 'lesson-not-planned' }),
          expectedError: 'LessonNotFound' as const,
          repaired,
        }));
  },
  (c) => {
    // The same mark id again, for a pupil who already has marks in the subject.
    const cases = c.markBases().flatMap((repaired) => {
      const data = repaired.data as ClassJournalCommandData<'RecordFormativeMark'>;
      const existing = [...(c.state.subjects.get(data.subjectId)?.pupils.get(data.pupilId)?.marks.keys() ?? [])];
      return existing.map((markId) => ({ rule: 'mark id recorded before', command: withData<'RecordFormativeMark'>(repaired, { markId }), expectedError: 'MarkAlreadyRecorded' as const, repaired }));
    });
    return pick(cases);
  },

  // --- lessons, summatives, periods ---
  (c) => {
    const cases = [...c.state.subjects.values()].flatMap((subject) =>
      [...subject.lessons.values()]
        .filter((l) => l.cancelled)
        .map((lesson) => ({
          rule: 'mark on a cancelled lesson',
          command: c.command(
            'RecordFormativeMark',
            { subjectId: subject.subjectId, markId: `${lesson.lessonId}.on-cancelled`, lessonId: lesson.lessonId, pupilId: [...c.state.enrolments.keys()][0] ?? 'pupil-x', mark: 6 },
            teacherOf(subject),
            lessonInstant(lesson),
          ),
          expectedError: 'LessonCancelled' as const,
        })),
    );
    return pick(cases);
  },
  (c) => {
    const bases = pick(scoreBases(c).filter((b) => b.maxPoints < 100));
    return bases === undefined
      ? undefined
      : bases.chain(({ command, maxPoints }) =>
          fc.tuple(fc.integer({ min: maxPoints + 1, max: 100 }), fc.integer({ min: 0, max: maxPoints })).map(([points, valid]) => ({
            rule: 'score above the summative maximum',
            command: withData<'RecordSummativeScore'>(command, { points }),
            expectedError: 'ScoreAboveMaximum' as const,
            repaired: withData<'RecordSummativeScore'>(command, { points: valid }),
          })),
        );
  },
  // A second score for a summative the pupil already has one for (in an open period).
  (c) => pick(secondScores(c)),
  (c) => {
    // A 4th СОР in a period that has 3.
    const limit = c.rules.maxSectionSummativesPerPeriod(c.state.calendar.ruleSetId);
    const cases = [...c.state.subjects.values()].flatMap((subject) => {
      const halfYear = c.rules.isHalfYearSubject(c.state.calendar.ruleSetId, subject.hoursPerWeek);
      const periodOf = (date: string) => {
        const p = assessmentPeriodOf(c.state.calendar, halfYear, date);
        return p === undefined ? undefined : `${p.kind}-${p.number}`;
      };
      const counts = new Map<string, number>();
      for (const s of subject.summatives.values()) {
        const lesson = subject.lessons.get(s.lessonId);
        const period = lesson === undefined ? undefined : periodOf(lesson.date);
        if (s.cancelled || s.kind !== 'section' || period === undefined) continue;
        counts.set(period, (counts.get(period) ?? 0) + 1);
      }
      return usableLessons(subject)
        .filter((lesson) => (counts.get(periodOf(lesson.date) ?? '') ?? 0) >= limit)
        .map((lesson) => ({
          rule: `СОР number ${limit + 1} in a period`,
          command: c.command(
            'PlanSummative',
            { subjectId: subject.subjectId, summativeId: `${lesson.lessonId}.extra-sor`, lessonId: lesson.lessonId, kind: 'section', maxPoints: 20 },
            teacherOf(subject),
            instantOn(c.state.calendar.startsOn, 4),
          ),
          expectedError: 'TooManySectionSummatives' as const,
        }));
    });
    return pick(cases);
  },
  (c) => {
    const cases = [...c.state.subjects.values()].flatMap((subject) =>
      [...subject.summatives.values()]
        .filter((s) => !s.cancelled)
        .map((s) => {
          const repaired = c.command('CancelSummative', { subjectId: subject.subjectId, summativeId: s.summativeId }, c.history.staff.deputyDirector, instantOn(c.state.calendar.startsOn, 4), 'flood: classes suspended');
          return { rule: 'summative cancelled without a reason', command: withoutReason(repaired), expectedError: 'ReasonRequired' as const, repaired };
        }),
    );
    return pick(cases.filter((x) => c.accepts(x.repaired)));
  },
  (c) => {
    // A formative mark in a period whose grade is finalized for the pupil.
    const cases = [...c.state.subjects.values()].flatMap((subject) => {
      const halfYear = c.rules.isHalfYearSubject(c.state.calendar.ruleSetId, subject.hoursPerWeek);
      return [...subject.pupils.entries()].flatMap(([pupilId, record]) =>
        record.yearGrade !== undefined
          ? []
          : usableLessons(subject)
              .filter((lesson) => {
                const p = assessmentPeriodOf(c.state.calendar, halfYear, lesson.date);
                return (
                  p !== undefined &&
                  record.periodGrades.has(`${p.kind}-${p.number}`) &&
                  isEnrolledOn(c.state.enrolments.get(pupilId), lesson.date) &&
                  !record.exemptions.some((x) => x.from <= lesson.date && lesson.date <= x.to)
                );
              })
              .map((lesson) => ({
                rule: 'mark in a finalized period',
                command: c.command(
                  'RecordFormativeMark',
                  { subjectId: subject.subjectId, markId: `${lesson.lessonId}.late-${pupilId}`, lessonId: lesson.lessonId, pupilId, mark: 8 },
                  teacherOf(subject),
                  instantOn(c.state.calendar.endsOn, 12),
                ),
                expectedError: 'PeriodFinalized' as const,
              })),
      );
    });
    return marksAllowed(c) ? pick(cases) : undefined;
  },
  (c) => {
    // A grade other than the computed one, entered without overrideReason.
    const cases = [...c.state.subjects.values()].flatMap((subject) => {
      if (subject.gradingMode !== 'scored') return [];
      const halfYear = c.rules.isHalfYearSubject(c.state.calendar.ruleSetId, subject.hoursPerWeek);
      return periodsOfSubject(c.state.calendar, halfYear).flatMap((period) => {
        const dates = datesOfPeriod(c.state.calendar, period);
        return [...c.state.enrolments.entries()].flatMap(([pupilId, stays]) => {
          const record = subject.pupils.get(pupilId);
          if (dates === undefined || !wasEnrolledDuring(stays, dates) || record?.yearGrade !== undefined || record?.periodGrades.has(`${period.kind}-${period.number}`))
            return [];
          const recommendation = c.rules.recommendPeriodGrade(
            c.state.calendar.ruleSetId,
            { gradeLevel: c.state.gradeLevel, gradingMode: subject.gradingMode, period },
            periodMarksOf(c.rules, c.state, subject, pupilId, period),
          );
          if (E.isLeft(recommendation) || recommendation.right === null) return [];
          const recommended = String(recommendation.right.grade);
          const others = [2, 3, 4, 5].filter((g) => String(g) !== recommended);
          const repaired = c.command(
            'FinalizePeriodGrade',
            { subjectId: subject.subjectId, pupilId, period, grade: others[0] ?? 2, overrideReason: 'decided by the pedagogical council' },
            c.history.staff.deputyDirector,
            instantOn(dates.endsOn, 13),
          );
          return c.accepts(repaired) ? [{ repaired, others }] : [];
        });
      });
    });
    const bases = pick(cases);
    return bases === undefined
      ? undefined
      : bases.chain(({ repaired, others }) =>
          fc.constantFrom(...others).map((grade) => {
            const withGrade = withData<'FinalizePeriodGrade'>(repaired, { grade });
            const { overrideReason: _reason, ...data } = withGrade.data as ClassJournalCommandData<'FinalizePeriodGrade'>;
            return {
              rule: 'grade differs from the computed one without overrideReason',
              command: { ...withGrade, data } as ClassJournalCommand,
              expectedError: 'OverrideReasonRequired' as const,
              repaired: withGrade,
            };
          }),
        );
  },

  // --- marks where none are given ---
  (c) => {
    // Any mark in a grade level without marks (grade 1 since 2020).
    if (marksAllowed(c)) return undefined;
    const cases = [...c.state.subjects.values()].flatMap((subject) =>
      usableLessons(subject).map((lesson) => ({
        rule: 'mark in a grade level without marks',
        command: c.command(
          'RecordFormativeMark',
          { subjectId: subject.subjectId, markId: `${lesson.lessonId}.no-marks`, lessonId: lesson.lessonId, pupilId: [...c.state.enrolments.keys()][0] ?? 'pupil-x', mark: 5 },
          teacherOf(subject),
          lessonInstant(lesson),
        ),
        expectedError: 'NoMarksInGradeLevel' as const,
      })),
    );
    return pick(cases);
  },
  (c) => {
    // A mark in a subject taught without marks, or a СОР in a pass/fail one.
    if (!marksAllowed(c)) return undefined;
    const cases = [...c.state.subjects.values()].flatMap((subject) =>
      subject.gradingMode === 'scored'
        ? []
        : usableLessons(subject).map((lesson) =>
            subject.gradingMode === 'noMarks'
              ? {
                  rule: 'mark in a subject taught without marks',
                  command: c.command(
                    'RecordFormativeMark',
                    { subjectId: subject.subjectId, markId: `${lesson.lessonId}.no-marks`, lessonId: lesson.lessonId, pupilId: [...c.state.enrolments.keys()][0] ?? 'pupil-x', mark: 5 },
                    teacherOf(subject),
                    lessonInstant(lesson),
                  ),
                  expectedError: 'NoMarksForSubject' as const,
                }
              : {
                  rule: 'summative in a pass/fail subject',
                  command: c.command(
                    'PlanSummative',
                    { subjectId: subject.subjectId, summativeId: `${lesson.lessonId}.sor`, lessonId: lesson.lessonId, kind: 'section', maxPoints: 10 },
                    teacherOf(subject),
                    instantOn(c.state.calendar.startsOn, 4),
                  ),
                  expectedError: 'NoScoresForPassFailSubject' as const,
                },
          ),
    );
    return pick(cases);
  },

  // --- corrections ---
  (c) => {
    const cases = [...c.state.subjects.values()].flatMap((subject) =>
      [...subject.pupils.entries()].flatMap(([pupilId, record]) =>
        [...record.marks.entries()]
          .filter(([, mark]) => !mark.annulled)
          .flatMap(([markId, mark]) => {
            const ref = { subjectId: subject.subjectId, pupilId, markId };
            const when = instantOn(c.state.calendar.endsOn, 12);
            return [
              c.command('CorrectMark', { ...ref, value: mark.kind === 'formative' ? { kind: 'formative' as const, mark: 9 } : { kind: 'summative' as const, points: 0 } }, teacherOf(subject), when, 'typo in the journal'),
              c.command('AnnulMark', ref, teacherOf(subject), when, 'mark entered for the wrong pupil'),
            ];
          }),
      ),
    );
    const bases = pick(cases.filter(c.accepts));
    return bases === undefined
      ? undefined
      : bases.map((repaired) => ({ rule: `${repaired.type} without a reason`, command: withoutReason(repaired), expectedError: 'ReasonRequired' as const, repaired }));
  },

  // --- re-sits ---
  (c) => {
    // A re-sit where the year grade is finalized and the grade now stands passing (a passing year grade, or a passed re-sit).
    const when = instantOn(addDays(c.state.calendar.endsOn, 30), 10);
    const cases = [...c.state.subjects.values()].flatMap((subject) =>
      [...subject.pupils.entries()]
        .filter(([, record]) => record.yearGrade !== undefined && record.finalGrade !== undefined && record.finalGrade !== 'notAssessed')
        .filter(([, record]) => !c.rules.isFailingGrade(c.state.calendar.ruleSetId, c.state.gradeLevel, record.finalGrade as GradeValue))
        .map(([pupilId]) => c.command('RecordResitResult', { subjectId: subject.subjectId, pupilId, testGrade: subject.gradingMode === 'passFail' ? 'pass' : 5 }, teacherOf(subject), when)),
    );
    return pick(cases)?.map((command) => ({ rule: 're-sit after a passing grade', command, expectedError: 'ResitNotAllowed' as const }));
  },
  (c) => {
    // A re-sit the decider would take now, with a test grade off the scale.
    const when = instantOn(addDays(c.state.calendar.endsOn, 30), 10);
    const cases = [...c.state.subjects.values()]
      .filter((subject) => subject.gradingMode === 'scored')
      .flatMap((subject) => [...subject.pupils.keys()].map((pupilId) => c.command('RecordResitResult', { subjectId: subject.subjectId, pupilId, testGrade: 3 }, teacherOf(subject), when)));
    const bases = pick(cases.filter(c.accepts));
    return bases === undefined
      ? undefined
      : fc.tuple(bases, fc.constantFrom<GradeValue>(0, 1, 6, 'pass')).map(([repaired, testGrade]) => ({
          rule: 're-sit test grade off the scale',
          command: withData<'RecordResitResult'>(repaired, { testGrade }),
          expectedError: 'GradeNotOnScale' as const,
          repaired,
        }));
  },
];

/** Scores that would be a pupil's second for one summative: only the duplication is wrong. */
const secondScores = (c: Context): ReadonlyArray<InvalidCommandCase> =>
  [...c.state.subjects.values()].flatMap((subject) =>
    [...subject.pupils.entries()].flatMap(([pupilId, record]) =>
      [...record.marks.entries()].flatMap(([markId, mark]) => {
        if (mark.kind !== 'summative' || mark.annulled) return [];
        const summative = subject.summatives.get(mark.summativeId);
        const lesson = summative === undefined ? undefined : subject.lessons.get(summative.lessonId);
        if (summative === undefined || lesson === undefined) return [];
        const command = c.command(
          'RecordSummativeScore',
          { subjectId: subject.subjectId, markId: `${markId}.again`, summativeId: summative.summativeId, pupilId, points: 0 },
          teacherOf(subject),
          lessonInstant(lesson),
        );
        // Only where the same command would be accepted had the first score been annulled.
        return acceptedWithFirstAnnulled(c, subject.subjectId, pupilId, markId, command)
          ? [{ rule: 'second score for one summative', command, expectedError: 'ScoreAlreadyRecorded' as const }]
          : [];
      }),
    ),
  );

/** True when the command is accepted in a state where the pupil's first score was annulled. */
const acceptedWithFirstAnnulled = (c: Context, subjectId: string, pupilId: string, markId: string, command: ClassJournalCommand): boolean => {
  const subject = c.state.subjects.get(subjectId);
  const record = subject?.pupils.get(pupilId);
  const mark = record?.marks.get(markId);
  if (subject === undefined || record === undefined || mark === undefined) return false;
  const annulled: OpenClassState = {
    ...c.state,
    subjects: new Map(c.state.subjects).set(subjectId, {
      ...subject,
      pupils: new Map(subject.pupils).set(pupilId, { ...record, marks: new Map(record.marks).set(markId, { ...mark, annulled: true }) }),
    }),
  };
  return E.isRight(classJournalDecider(c.rules).decide(command, annulled));
};

const marksAllowed = (c: Context): boolean => !c.rules.isNoMarksGradeLevel(c.state.calendar.ruleSetId, c.state.gradeLevel);

/**
 * One command that breaks exactly one rule, for the state at the end of `history` (see
 * {@link InvalidCommandCase}): a mark out of range, a pupil not enrolled on the date, a
 * cancelled or unknown lesson, a score above the maximum, the wrong teacher, an auditor or a
 * parent writing, a correction or cancellation without reason, a mark in a finalized period,
 * a 4th СОР in a period, an override without overrideReason, a second score, a duplicate mark
 * id, a class opened twice, an unknown subject, an enrolment outside the year, a mark where the
 * grade level or the subject has none, a СОР in a pass/fail subject, a re-sit after a passing
 * grade or with a test grade off the scale. Only the faults
 * the history gives a place for are drawn (no "cancelled lesson" without one).
 */
export const arbInvalidCommand = (history: ClassHistory, rules: JournalRules): fc.Arbitrary<InvalidCommandCase> => {
  const decider = classJournalDecider(rules);
  let counter = 0;
  let bases: ReadonlyArray<ClassJournalCommand> | undefined;
  const context: Context = {
    markBases: () => (bases ??= findMarkBases(context)),
    history,
    rules,
    state: history.finalState,
    accepts: (command) => E.isRight(decider.decide(command, history.finalState)),
    command: (type, data, actor, occurredAt, reason) =>
      ({
        type,
        data,
        metadata: { commandId: `${history.classId}.x${counter++}`, actor, occurredAt, ...(reason === undefined ? {} : { reason }) },
      }) as ClassJournalCommand,
  };
  // Breakers are tried lazily from a drawn one on, so only the faults actually drawn are
  // searched for; the first breakers always apply, so the search ends.
  const made = new Map<number, fc.Arbitrary<InvalidCommandCase> | undefined>();
  const breakerAt = (index: number) => {
    if (!made.has(index)) made.set(index, (breakers[index] as Breaker)(context));
    return made.get(index);
  };
  const firstApplicable = (from: number): fc.Arbitrary<InvalidCommandCase> => {
    for (let k = 0; k < breakers.length; k++) {
      const found = breakerAt((from + k) % breakers.length);
      if (found !== undefined) return found;
    }
    throw new Error('arbInvalidCommand: no rule can be broken in this history');
  };
  // The command id is the same for every case, so that a case replays with the same events ids.
  return fc
    .nat({ max: breakers.length - 1 })
    .chain(firstApplicable)
    .map((c) => ({
      ...c,
      command: withMetadata(c.command, { commandId: `${history.classId}.invalid` }),
      ...(c.repaired === undefined ? {} : { repaired: withMetadata(c.repaired, { commandId: `${history.classId}.invalid` }) }),
    }));
};

/** A valid class history and one command that breaks exactly one rule at its end. */
export const arbClassHistoryWithInvalidCommand = (options: ClassHistoryOptions): fc.Arbitrary<ClassHistoryWithInvalidCommand> =>
  arbClassHistory(options).chain((history) => arbInvalidCommand(history, options.rules).map((invalid) => ({ history, invalid })));
