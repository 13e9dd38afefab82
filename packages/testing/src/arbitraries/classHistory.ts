import * as E from 'fp-ts/Either';
import * as fc from 'fast-check';
import {
  classCalendarOf,
  classJournalDecider,
  classStreamId,
  recordedEventsOf,
  datesOfPeriod,
  periodMarksOf,
  periodsOfSubject,
  wasEnrolledDuring,
  type Actor,
  type AssessmentPeriod,
  type AttendanceCode,
  type ClassJournalCommand,
  type ClassJournalCommandData,
  type ClassJournalCommandType,
  type ClassJournalState,
  type GradeValue,
  type GradingMode,
  type Instant,
  type JournalRules,
  type LedgerEvent,
  type LocalDate,
  type OpenClassState,
  type SchoolYearOpenedData,
  type SubjectState,
} from '@grade-ledger/core';
import {
  addDays,
  arbAttendanceCode,
  arbClassLetter,
  arbFormativeMark,
  arbGradeLevel,
  arbGradingMode,
  arbId,
  arbSchoolYearCalendar,
  arbSubjectId,
  instantOn,
  reasons,
  schoolDaysIn,
} from './primitives';

/**
 * A valid history of one class's stream for one school year: the commands, in the order they
 * were sent, every one of them accepted by the class journal's decider; the events they
 * recorded (as the command handler records them, with `recordedAt` = `occurredAt`); and the
 * state after the last event.
 */
export type ClassHistory = {
  readonly schoolYear: SchoolYearOpenedData;
  readonly classId: string;
  /** `class-<classId>`: the stream the commands go to. */
  readonly streamId: string;
  readonly staff: {
    readonly director: Actor;
    readonly deputyDirector: Actor;
    /** The class teacher (сынып жетекшісі), acting as such. */
    readonly classTeacher: Actor;
    /** Each subject's teacher, acting as subject teacher. */
    readonly subjectTeachers: ReadonlyMap<string, Actor>;
  };
  readonly commands: ReadonlyArray<ClassJournalCommand>;
  readonly events: ReadonlyArray<LedgerEvent>;
  readonly finalState: OpenClassState;
};

export type ClassHistoryOptions = {
  /** The grade rules the class journal's decider runs with (e.g. `journalRulesFromRuleSets(kazakhstanRuleSets())`). */
  readonly rules: JournalRules;
  /** The school year; default {@link arbSchoolYearCalendar}(). Its ruleSetId must be known to `rules`. */
  readonly schoolYear?: fc.Arbitrary<SchoolYearOpenedData>;
  /** Allow grade 1 (where the Kazakhstan rules since 2020 give no marks). Default false: grades 2..11. */
  readonly includeGradeOne?: boolean;
  /** Let some subjects be taught without marks (`noMarks`). Default false. */
  readonly includeNoMarksSubjects?: boolean;
  /** 1..maxSubjects subjects; default 4. */
  readonly maxSubjects?: number;
  /** 1..maxPupils pupils; default 8. */
  readonly maxPupils?: number;
  /** 0..maxLessonsPerTerm lessons of each subject in each term; default 3. */
  readonly maxLessonsPerTerm?: number;
  /** Finalize some period (and year) grades, equal to the computed recommendation. Default true. */
  readonly finalize?: boolean;
};


// --- the blueprint: what fast-check generates; the history is built from it ------------

type LessonPlan = {
  readonly day: number;
  readonly period: number;
  readonly marks: ReadonlyArray<{ readonly pupil: number; readonly mark: number }>;
  readonly absences: ReadonlyArray<{ readonly pupil: number; readonly code: AttendanceCode; readonly byClassTeacher: boolean }>;
};

type SummativePlan = {
  readonly lesson: number;
  readonly maxPoints: number;
  /** Points of pupil i (taken modulo maxPoints + 1); null: no score recorded (missed). */
  readonly points: ReadonlyArray<number | null>;
};

type TermPlan = {
  readonly lessons: ReadonlyArray<LessonPlan>;
  readonly sections: ReadonlyArray<SummativePlan>;
  readonly term: SummativePlan | null;
};

type SubjectPlan = {
  readonly subjectId: string;
  readonly teacher: number;
  readonly hoursPerWeek: number;
  readonly gradingMode: GradingMode;
  readonly terms: ReadonlyArray<TermPlan>;
  readonly cancelLesson: number | null;
  readonly reschedule: { readonly lesson: number; readonly day: number } | null;
  readonly reviseTopic: number | null;
  readonly cancelSummative: number | null;
  readonly approve: boolean;
};

type PupilPlan = {
  readonly pupilId: string;
  /** null: enrolled from the first day; else the index of a later school day. */
  readonly joins: number | null;
  readonly leaves: { readonly kind: 'transfer' | 'withdraw'; readonly day: number; readonly toClassId: string } | null;
};

type CorrectionPlan = {
  readonly kind: 'correct' | 'annul' | 'moderate' | 'attendance';
  readonly pick: number;
  readonly mark: number;
  readonly points: number;
  readonly code: AttendanceCode | 'present';
  readonly byDeputy: boolean;
  readonly delay: number;
  readonly reason: number;
};

type FinalizationPlan = {
  readonly subject: number;
  readonly pupil: number;
  readonly upTo: number;
  readonly year: boolean;
  readonly fallback: number;
  readonly override: boolean;
  /**
   * null, mostly; else this pupil's year grade in the subject is finalized (all periods first)
   * as failing, and re-sit tests follow, one picked grade of the scale per attempt (a second
   * attempt only counts when the first left the grade failing; the decider rejects the rest).
   */
  readonly resit: { readonly tests: ReadonlyArray<number> } | null;
};

type Blueprint = {
  readonly schoolYear: SchoolYearOpenedData;
  readonly classId: string;
  readonly gradeLevel: number;
  readonly letter: string;
  readonly directorId: string;
  readonly deputyId: string;
  readonly teachers: ReadonlyArray<string>;
  readonly classTeacher: number;
  readonly subjects: ReadonlyArray<SubjectPlan>;
  readonly pupils: ReadonlyArray<PupilPlan>;
  readonly exemptions: ReadonlyArray<{ readonly subject: number; readonly pupil: number; readonly day: number; readonly length: number; readonly ground: 'medical' | 'sport' | 'other' }>;
  readonly corrections: ReadonlyArray<CorrectionPlan>;
  readonly finalizations: ReadonlyArray<FinalizationPlan>;
};

/** `arbitrary`'s value once in `1 + weight` times; null otherwise. */
const rarely = <A>(arbitrary: fc.Arbitrary<A>, weight: number): fc.Arbitrary<A | null> =>
  fc.oneof({ arbitrary: fc.constant(null), weight }, { arbitrary, weight: 1 });

const arbSummativePlan = (maxPupils: number): fc.Arbitrary<SummativePlan> =>
  fc.record({
    lesson: fc.nat({ max: 20 }),
    maxPoints: fc.integer({ min: 5, max: 40 }),
    points: fc.array(fc.option(fc.nat({ max: 100 }), { freq: 6 }), { maxLength: maxPupils }),
  });

const arbBlueprint = (options: ClassHistoryOptions): fc.Arbitrary<Blueprint> => {
  const maxPupils = options.maxPupils ?? 8;
  const maxSubjects = options.maxSubjects ?? 4;
  const maxLessons = options.maxLessonsPerTerm ?? 3;
  const lesson: fc.Arbitrary<LessonPlan> = fc.record({
    day: fc.nat({ max: 80 }),
    period: fc.integer({ min: 1, max: 8 }),
    marks: fc.array(fc.record({ pupil: fc.nat({ max: maxPupils }), mark: arbFormativeMark() }), { maxLength: 3 }),
    absences: fc.array(fc.record({ pupil: fc.nat({ max: maxPupils }), code: arbAttendanceCode(), byClassTeacher: fc.boolean() }), {
      maxLength: 1,
    }),
  });
  const term: fc.Arbitrary<TermPlan> = fc.record({
    lessons: fc.array(lesson, { maxLength: maxLessons }),
    // Up to 4, so that the rule "at most 3 СОР a period" is met, and kept, now and then.
    sections: fc.array(arbSummativePlan(maxPupils), { maxLength: 4 }),
    term: fc.option(arbSummativePlan(maxPupils), { freq: 2 }),
  });
  const subject: fc.Arbitrary<SubjectPlan> = fc.record({
    subjectId: arbSubjectId(),
    teacher: fc.nat({ max: 3 }),
    hoursPerWeek: fc.oneof({ arbitrary: fc.constant(1), weight: 1 }, { arbitrary: fc.integer({ min: 2, max: 5 }), weight: 3 }),
    gradingMode: arbGradingMode({ noMarks: options.includeNoMarksSubjects === true }),
    terms: fc.array(term, { minLength: 4, maxLength: 4 }),
    cancelLesson: rarely(fc.nat({ max: 20 }), 3),
    reschedule: rarely(fc.record({ lesson: fc.nat({ max: 20 }), day: fc.nat({ max: 80 }) }), 4),
    reviseTopic: rarely(fc.nat({ max: 20 }), 4),
    cancelSummative: rarely(fc.nat({ max: 20 }), 6),
    approve: fc.boolean(),
  });
  const pupil: fc.Arbitrary<PupilPlan> = fc.record({
    pupilId: arbId('pupil'),
    joins: rarely(fc.nat({ max: 170 }), 4),
    leaves: rarely(
      fc.record({ kind: fc.constantFrom<'transfer' | 'withdraw'>('transfer', 'withdraw'), day: fc.nat({ max: 170 }), toClassId: arbId('class') }),
      4,
    ),
  });
  const correction: fc.Arbitrary<CorrectionPlan> = fc.record({
    kind: fc.constantFrom<CorrectionPlan['kind']>('correct', 'annul', 'moderate', 'attendance'),
    pick: fc.nat({ max: 1000 }),
    mark: arbFormativeMark(),
    points: fc.nat({ max: 100 }),
    code: fc.constantFrom<AttendanceCode | 'present'>('present', 'excused', 'illness', 'late', 'unexcused'),
    byDeputy: fc.boolean(),
    delay: fc.integer({ min: 0, max: 3 }),
    reason: fc.nat({ max: reasons.length - 1 }),
  });
  const finalization: fc.Arbitrary<FinalizationPlan> = fc.record({
    subject: fc.nat({ max: maxSubjects }),
    pupil: fc.nat({ max: maxPupils }),
    upTo: fc.integer({ min: 1, max: 4 }),
    year: fc.boolean(),
    fallback: fc.nat({ max: 3 }),
    override: fc.oneof({ arbitrary: fc.constant(false), weight: 6 }, { arbitrary: fc.constant(true), weight: 1 }),
    // Test grades picked from the scale [5, 4, 3, 2] (or [pass, fail]): a "2" (pick 3) leaves room for a second attempt.
    resit: rarely(fc.record({ tests: fc.array(fc.nat({ max: 3 }), { minLength: 1, maxLength: 2 }) }), 5),
  });
  return fc.record({
    schoolYear: options.schoolYear ?? arbSchoolYearCalendar(),
    classId: arbId('class'),
    gradeLevel: arbGradeLevel({ min: options.includeGradeOne === true ? 1 : 2, max: 11 }),
    letter: arbClassLetter(),
    directorId: arbId('director'),
    deputyId: arbId('deputy'),
    teachers: fc.uniqueArray(arbId('teacher'), { minLength: 1, maxLength: 4 }),
    classTeacher: fc.nat({ max: 3 }),
    subjects: fc.uniqueArray(subject, { minLength: 1, maxLength: maxSubjects, selector: (s) => s.subjectId }),
    pupils: fc.uniqueArray(pupil, { minLength: 1, maxLength: maxPupils, selector: (p) => p.pupilId }),
    exemptions: fc.array(
      fc.record({
        subject: fc.nat({ max: maxSubjects }),
        pupil: fc.nat({ max: maxPupils }),
        day: fc.nat({ max: 170 }),
        length: fc.integer({ min: 0, max: 30 }),
        ground: fc.constantFrom<'medical' | 'sport' | 'other'>('medical', 'sport', 'other'),
      }),
      { maxLength: 1 },
    ),
    corrections: fc.array(correction, { maxLength: 4 }),
    finalizations: options.finalize === false ? fc.constant([]) : fc.array(finalization, { maxLength: maxSubjects * maxPupils }),
  });
};

// --- building the history ---------------------------------------------------------------

const at = <A>(items: ReadonlyArray<A>, index: number): A => items[index % items.length] as A;

type Step = { readonly at: Instant; readonly run: () => void };

const scaleGrades = (gradingMode: GradingMode): ReadonlyArray<GradeValue> => (gradingMode === 'passFail' ? ['pass', 'fail'] : [5, 4, 3, 2]);

const buildHistory = (rules: JournalRules, b: Blueprint): ClassHistory => {
  const decider = classJournalDecider(rules);
  const year = b.schoolYear;
  const calendar = classCalendarOf(year);
  const ruleSetId = calendar.ruleSetId;
  let state: ClassJournalState = decider.initialState();
  const commands: ClassJournalCommand[] = [];
  const events: LedgerEvent[] = [];

  const director: Actor = { id: b.directorId, role: 'director' };
  const deputy: Actor = { id: b.deputyId, role: 'deputyDirector' };
  const classTeacherId = at(b.teachers, b.classTeacher);
  const classTeacher: Actor = { id: classTeacherId, role: 'classTeacher' };
  const subjectTeachers = new Map(b.subjects.map((s) => [s.subjectId, { id: at(b.teachers, s.teacher), role: 'subjectTeacher' } as Actor]));
  const teacherOf = (subjectId: string): Actor => subjectTeachers.get(subjectId) as Actor;

  /** Sends a command to the decider; keeps it (and folds its events) only when it is accepted. */
  const send = <T extends ClassJournalCommandType>(
    type: T,
    data: ClassJournalCommandData<T>,
    actor: Actor,
    occurredAt: Instant,
    reason?: string,
  ): boolean => {
    const command = {
      type,
      data,
      metadata: { commandId: `${b.classId}.c${commands.length}`, actor, occurredAt, ...(reason === undefined ? {} : { reason }) },
    } as ClassJournalCommand;
    const decided = decider.decide(command, state);
    if (E.isLeft(decided)) return false;
    const recorded = recordedEventsOf(command.metadata, decided.right, occurredAt);
    for (const event of recorded) state = decider.evolve(state, event);
    commands.push(command);
    events.push(...recorded);
    return true;
  };
  const open = (): OpenClassState => state as OpenClassState;

  const allDays = calendar.terms.flatMap((term) => schoolDaysIn(term));
  const termDays = calendar.terms.map((term) => schoolDaysIn(term));
  const lessonId = (subjectId: string, term: number, index: number) => `${subjectId}.t${term + 1}.l${index + 1}`;

  // Stage 1, on the eve of the first day: the class, its subjects, the pupils there from the start, the plan (КТП).
  const first = calendar.startsOn;
  // Planned the day before the year starts, one second apart, so that time never goes backwards.
  let planningSeconds = 4 * 3600;
  const planning = (): Instant => {
    const t = planningSeconds++;
    const two = (n: number) => String(n).padStart(2, '0');
    return `${addDays(first, -1)}T${two(Math.floor(t / 3600))}:${two(Math.floor(t / 60) % 60)}:${two(t % 60)}Z`;
  };
  send('OpenClass', { classId: b.classId, gradeLevel: b.gradeLevel, letter: b.letter, classTeacherId, calendar }, director, planning());
  for (const s of b.subjects)
    send('AssignSubject', { subjectId: s.subjectId, teacherId: teacherOf(s.subjectId).id, hoursPerWeek: s.hoursPerWeek, gradingMode: s.gradingMode }, deputy, planning());
  for (const p of b.pupils) if (p.joins === null) send('EnrolPupil', { pupilId: p.pupilId, on: first }, deputy, planning());

  const lessonPlans = new Map<string, LessonPlan>();
  const summativePlans = new Map<string, SummativePlan>();
  for (const s of b.subjects) {
    const teacher = teacherOf(s.subjectId);
    const halfYear = rules.isHalfYearSubject(ruleSetId, s.hoursPerWeek);
    const planned: string[] = [];
    s.terms.forEach((term, t) => {
      const days = termDays[t] ?? [];
      if (days.length === 0) return;
      const ids = term.lessons.map((lesson, i) => {
        const id = lessonId(s.subjectId, t, i);
        lessonPlans.set(id, lesson);
        send('PlanLesson', { subjectId: s.subjectId, lessonId: id, date: at(days, lesson.day), period: lesson.period, unit: `Unit ${t + 1}`, topic: `Topic ${t + 1}.${i + 1}`, hours: 1 }, teacher, planning());
        return id;
      });
      planned.push(...ids);
      if (ids.length === 0) return;
      term.sections.forEach((plan, j) => {
        const id = `${s.subjectId}.t${t + 1}.sor${j + 1}`;
        summativePlans.set(id, plan);
        send('PlanSummative', { subjectId: s.subjectId, summativeId: id, lessonId: at(ids, plan.lesson), kind: 'section', maxPoints: plan.maxPoints }, teacher, planning());
      });
      // One СОЧ a term at most, and none for half-year subjects (their grade has no СОЧ).
      if (term.term !== null && !halfYear) {
        const id = `${s.subjectId}.t${t + 1}.soch`;
        summativePlans.set(id, term.term);
        send('PlanSummative', { subjectId: s.subjectId, summativeId: id, lessonId: at(ids, term.term.lesson), kind: 'term', maxPoints: term.term.maxPoints }, teacher, planning());
      }
    });
    if (planned.length > 0) {
      if (s.reschedule !== null)
        send('RescheduleLesson', { subjectId: s.subjectId, lessonId: at(planned, s.reschedule.lesson), date: at(allDays, s.reschedule.day), period: 1 }, teacher, planning());
      if (s.reviseTopic !== null)
        send('ReviseLessonTopic', { subjectId: s.subjectId, lessonId: at(planned, s.reviseTopic), topic: 'Revised topic' }, teacher, planning());
      // Never the subject's only lesson, so that every subject keeps a lesson to write on.
      if (s.cancelLesson !== null && planned.length > 1)
        send('CancelLesson', { subjectId: s.subjectId, lessonId: at(planned, s.cancelLesson) }, teacher, planning());
    }
    const summativeIds = [...(open().subjects.get(s.subjectId)?.summatives.keys() ?? [])];
    if (s.cancelSummative !== null && summativeIds.length > 0)
      send('CancelSummative', { subjectId: s.subjectId, summativeId: at(summativeIds, s.cancelSummative) }, deputy, planning(), at(reasons, s.cancelSummative));
    if (s.approve) send('ApprovePlan', { subjectId: s.subjectId }, deputy, planning());
  }

  // Stage 2, the year day by day: roster changes, the journal, corrections, finalized grades.
  const planned = open();
  const steps: Step[] = [];
  const step = (when: Instant, run: () => void) => steps.push({ at: when, run });
  const pupilAt = (index: number) => at(b.pupils, index).pupilId;

  for (const p of b.pupils) {
    const joinIndex = p.joins === null ? 0 : p.joins % allDays.length;
    const joinsOn = p.joins === null ? first : (allDays[joinIndex] as LocalDate);
    if (p.joins !== null) step(instantOn(joinsOn, 1), () => send('EnrolPupil', { pupilId: p.pupilId, on: joinsOn }, deputy, instantOn(joinsOn, 1)));
    const later = allDays.filter((d) => d > joinsOn);
    if (p.leaves !== null && later.length > 0) {
      const on = at(later, p.leaves.day);
      const leaves = p.leaves;
      step(instantOn(on, 1, 5), () =>
        leaves.kind === 'transfer'
          ? send('TransferPupil', { pupilId: p.pupilId, on, toClassId: leaves.toClassId === b.classId ? `${b.classId}-parallel` : leaves.toClassId }, deputy, instantOn(on, 1, 5))
          : send('WithdrawPupil', { pupilId: p.pupilId, on }, deputy, instantOn(on, 1, 5)),
      );
    }
  }

  for (const x of b.exemptions) {
    const subject = at(b.subjects, x.subject).subjectId;
    const from = at(allDays, x.day);
    const to = addDays(from, x.length);
    step(instantOn(from, 1, 30), () =>
      send('GrantExemption', { subjectId: subject, exemptionId: `${subject}.x${x.day}`, pupilId: pupilAt(x.pupil), from, to: to > calendar.endsOn ? calendar.endsOn : to, ground: x.ground }, deputy, instantOn(from, 1, 30)),
    );
  }

  type Target = { readonly subjectId: string; readonly pupilId: string; readonly id: string; readonly date: LocalDate; readonly maxPoints?: number };
  const formativeTargets: Target[] = [];
  const summativeTargets: Target[] = [];
  const attendanceTargets: Target[] = [];

  for (const subject of planned.subjects.values()) {
    const teacher = teacherOf(subject.subjectId);
    for (const lesson of subject.lessons.values()) {
      const plan = lessonPlans.get(lesson.lessonId);
      if (plan === undefined || lesson.cancelled) continue;
      const hour = 2 + lesson.period;
      plan.absences.forEach((absence, k) => {
        const target = { subjectId: subject.subjectId, pupilId: pupilAt(absence.pupil), id: `${lesson.lessonId}.a${k + 1}`, date: lesson.date };
        attendanceTargets.push(target);
        step(instantOn(lesson.date, hour, 5), () =>
          send('MarkAttendance', { subjectId: subject.subjectId, attendanceId: target.id, lessonId: lesson.lessonId, pupilId: target.pupilId, code: absence.code }, absence.byClassTeacher ? classTeacher : teacher, instantOn(lesson.date, hour, 5)),
        );
      });
      plan.marks.forEach((m, k) => {
        const target = { subjectId: subject.subjectId, pupilId: pupilAt(m.pupil), id: `${lesson.lessonId}.m${k + 1}`, date: lesson.date };
        formativeTargets.push(target);
        step(instantOn(lesson.date, hour, 10), () =>
          send('RecordFormativeMark', { subjectId: subject.subjectId, markId: target.id, lessonId: lesson.lessonId, pupilId: target.pupilId, mark: m.mark }, teacher, instantOn(lesson.date, hour, 10)),
        );
      });
    }
    for (const summative of subject.summatives.values()) {
      const plan = summativePlans.get(summative.summativeId);
      const lesson = subject.lessons.get(summative.lessonId);
      if (plan === undefined || lesson === undefined || summative.cancelled || lesson.cancelled) continue;
      const hour = 2 + lesson.period;
      plan.points.forEach((points, i) => {
        if (points === null || i >= b.pupils.length) return;
        const target = { subjectId: subject.subjectId, pupilId: pupilAt(i), id: `${summative.summativeId}.p${i + 1}`, date: lesson.date, maxPoints: summative.maxPoints };
        summativeTargets.push(target);
        step(instantOn(lesson.date, hour, 40), () =>
          send('RecordSummativeScore', { subjectId: subject.subjectId, markId: target.id, summativeId: summative.summativeId, pupilId: target.pupilId, points: points % (summative.maxPoints + 1) }, teacher, instantOn(lesson.date, hour, 40)),
        );
      });
    }
  }

  for (const c of b.corrections) {
    const pool = c.kind === 'attendance' ? attendanceTargets : c.kind === 'moderate' ? summativeTargets : [...formativeTargets, ...summativeTargets];
    if (pool.length === 0) continue;
    const target = at(pool, c.pick);
    const when = instantOn(addDays(target.date, c.delay), 11);
    const teacher = teacherOf(target.subjectId);
    const reason = at(reasons, c.reason);
    const ref = { subjectId: target.subjectId, pupilId: target.pupilId, markId: target.id };
    step(when, () => {
      switch (c.kind) {
        case 'attendance':
          send('CorrectAttendance', { subjectId: target.subjectId, attendanceId: target.id, pupilId: target.pupilId, code: c.code }, c.byDeputy ? deputy : teacher, when, reason);
          return;
        case 'moderate':
          send('ModerateSummativeScore', { ...ref, points: c.points % ((target.maxPoints ?? 0) + 1) }, c.byDeputy ? deputy : teacher, when, reason);
          return;
        case 'annul':
          send('AnnulMark', ref, c.byDeputy ? deputy : teacher, when, reason);
          return;
        case 'correct':
          send(
            'CorrectMark',
            { ...ref, value: target.maxPoints === undefined ? { kind: 'formative', mark: c.mark } : { kind: 'summative', points: c.points % (target.maxPoints + 1) } },
            teacher,
            when,
            reason,
          );
      }
    });
  }

  for (const f of b.finalizations) {
    const plan = at(b.subjects, f.subject);
    const subjectId = plan.subjectId;
    const pupilId = pupilAt(f.pupil);
    const halfYear = rules.isHalfYearSubject(ruleSetId, plan.hoursPerWeek);
    // A planned re-sit needs a finalized year grade, so every period and the year are finalized.
    const periods = periodsOfSubject(calendar, halfYear).slice(0, f.resit === null ? f.upTo : undefined);
    for (const period of periods) {
      const dates = datesOfPeriod(calendar, period);
      if (dates === undefined) continue;
      step(instantOn(dates.endsOn, 13), () => finalizePeriod(subjectId, pupilId, period, f, instantOn(dates.endsOn, 13)));
    }
    if (f.year || f.resit !== null) step(instantOn(calendar.endsOn, 14), () => finalizeYear(subjectId, pupilId, f, instantOn(calendar.endsOn, 14)));
    // Re-sit tests in the summer after the year, a week apart; the subject teacher or, now and then, the deputy records them.
    f.resit?.tests.forEach((pick, k) => {
      const when = instantOn(addDays(calendar.endsOn, 7 * (k + 1)), 10);
      step(when, () => recordResit(subjectId, pupilId, pick, f.override ? deputy : teacherOf(subjectId), when));
    });
  }

  /** A grade equal to the computed recommendation (the teacher's), or now and then a deputy's override with a reason. */
  const finalize = (
    subject: SubjectState,
    recommended: GradeValue | undefined,
    f: FinalizationPlan,
    enter: (grade: GradeValue, actor: Actor, overrideReason?: string) => void,
  ) => {
    const teacher = teacherOf(subject.subjectId);
    if (recommended === undefined) {
      enter(at(scaleGrades(subject.gradingMode), f.fallback), teacher);
      return;
    }
    const others = scaleGrades(subject.gradingMode).filter((g) => String(g) !== String(recommended));
    if (f.override && others.length > 0) enter(at(others, f.fallback), deputy, 'decided by the pedagogical council');
    else enter(recommended, teacher);
  };

  const finalizePeriod = (subjectId: string, pupilId: string, period: AssessmentPeriod, f: FinalizationPlan, when: Instant) => {
    const current = open();
    const subject = current.subjects.get(subjectId);
    if (subject === undefined) return;
    const context = { gradeLevel: current.gradeLevel, gradingMode: subject.gradingMode, period };
    const recommendation = rules.recommendPeriodGrade(ruleSetId, context, periodMarksOf(rules, current, subject, pupilId, period));
    if (E.isLeft(recommendation)) return;
    finalize(subject, recommendation.right?.grade, f, (grade, actor, overrideReason) =>
      send('FinalizePeriodGrade', { subjectId, pupilId, period, grade, ...(overrideReason === undefined ? {} : { overrideReason }) }, actor, when),
    );
  };

  const finalizeYear = (subjectId: string, pupilId: string, f: FinalizationPlan, when: Instant) => {
    const current = open();
    const subject = current.subjects.get(subjectId);
    if (subject === undefined) return;
    const record = subject.pupils.get(pupilId);
    const stays = current.enrolments.get(pupilId);
    const due = periodsOfSubject(calendar, rules.isHalfYearSubject(ruleSetId, subject.hoursPerWeek)).filter((p) => {
      const dates = datesOfPeriod(calendar, p);
      return dates !== undefined && wasEnrolledDuring(stays, dates);
    });
    const grades = due.map((p) => record?.periodGrades.get(`${p.kind}-${p.number}`)?.grade);
    if (due.length === 0 || grades.some((g) => g === undefined)) return;
    const recommendation = rules.recommendYearGrade(ruleSetId, { gradeLevel: current.gradeLevel, gradingMode: subject.gradingMode }, grades as GradeValue[]);
    if (E.isLeft(recommendation)) return;
    const enter = (grade: GradeValue, actor: Actor, overrideReason?: string) =>
      send('FinalizeYearGrade', { subjectId, pupilId, grade, ...(overrideReason === undefined ? {} : { overrideReason }) }, actor, when);
    if (f.resit === null) {
      finalize(subject, recommendation.right?.grade, f, enter);
      return;
    }
    // Failing year grades are rare from the marks alone: a planned re-sit makes this one failing,
    // the recommended grade when it fails already, else the council's override of it.
    const failing = scaleGrades(subject.gradingMode).filter((g) => rules.isFailingGrade(ruleSetId, current.gradeLevel, g));
    const recommended = recommendation.right?.grade;
    if (recommended !== undefined && rules.isFailingGrade(ruleSetId, current.gradeLevel, recommended)) enter(recommended, teacherOf(subjectId));
    else if (failing.length === 0) finalize(subject, recommended, f, enter);
    else if (recommended === undefined) enter(at(failing, f.fallback), teacherOf(subjectId));
    else enter(at(failing, f.fallback), deputy, 'decided by the pedagogical council');
  };

  /** A re-sit test graded `pick` on the subject's scale; the decider keeps it only while the grade is failing and attempts remain. */
  const recordResit = (subjectId: string, pupilId: string, pick: number, actor: Actor, when: Instant) => {
    const subject = open().subjects.get(subjectId);
    if (subject === undefined) return;
    send('RecordResitResult', { subjectId, pupilId, testGrade: at(scaleGrades(subject.gradingMode), pick) }, actor, when);
  };

  // Stable sort: steps of the same instant keep the order they were made in.
  const ordered = [...steps].sort((x, y) => (x.at < y.at ? -1 : x.at > y.at ? 1 : 0));
  for (const s of ordered) s.run();

  const history: ClassHistory = {
    schoolYear: year,
    classId: b.classId,
    streamId: classStreamId(b.classId),
    staff: { director, deputyDirector: deputy, classTeacher, subjectTeachers },
    commands,
    events,
    finalState: open(),
  };
  // fast-check prints a counterexample with this: the commands, one a line, not every event and map.
  Object.defineProperty(history, fc.toStringMethod, { value: () => describeHistory(history), enumerable: false });
  return history;
};

/** A history as a reader wants it in a failing property's report: the year, then one line per command. */
export const describeHistory = (history: ClassHistory): string =>
  [
    `ClassHistory ${history.classId} (${history.schoolYear.schoolYearId}, rule set ${history.schoolYear.ruleSetId}, ` +
      `${history.commands.length} commands, ${history.events.length} events)`,
    ...history.commands.map(
      (c) => `  ${c.metadata.occurredAt} ${c.metadata.actor.role}:${c.metadata.actor.id} ${c.type} ${JSON.stringify(c.data)}` +
        (c.metadata.reason === undefined ? '' : ` reason=${JSON.stringify(c.metadata.reason)}`),
    ),
  ].join('\n');

/**
 * A valid class-year history (see {@link ClassHistory}). fast-check generates a blueprint (the
 * calendar, staff, subjects, pupils who join late or leave, lessons on school days, СОР/СОЧ,
 * marks, absences, corrections, finalized grades, failing year grades and their re-sits); the history is built by sending the
 * blueprint's commands in date order to the class journal's decider and keeping the accepted
 * ones. So every rule of the decider holds by construction (≤ 3 СОР a period, marks only for
 * pupils enrolled on the lesson's date, ...), and the history shrinks with its blueprint.
 *
 * ```ts
 * fc.assert(fc.property(arbClassHistory({ rules }), (history) => {
 *   const state = foldEvents(classJournalDecider(rules), history.events);
 *   // ...
 * }));
 * ```
 */
export const arbClassHistory = (options: ClassHistoryOptions): fc.Arbitrary<ClassHistory> =>
  arbBlueprint(options).map((blueprint) => buildHistory(options.rules, blueprint));
