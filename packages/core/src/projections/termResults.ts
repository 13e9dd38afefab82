import * as E from 'fp-ts/Either';
import { pipe } from 'fp-ts/function';
import { assessmentPeriodOf, datesOfPeriod, isEnrolledOn, periodsOfSubject, wasEnrolledDuring } from '../classJournal/calendarOf';
import { marksInForce, type MarksRecord } from '../classJournal/marksInForce';
import type { AssessmentPeriod, GradeValue, GradingMode } from '../events/common';
import type { RuleSetNotFound } from '../rules/chooseRuleSet';
import type { RuleError } from '../rules/errors';
import type { PeriodMarks } from '../rules/periodMarks';
import { computePeriodResult, type PeriodResult } from '../rules/periodResult';
import type { RuleSet } from '../rules/ruleSet';
import { byYearAndClass, isGradedPerHalfYear, ruleSetOfClass } from './rulesOfClass';
import { reportCardPeriodGradeOf, type ReportCardPeriodGrade } from './reportCard';
import { attendanceByPupil, attendanceOfPupil, gradesOfRecord, lessonsById, marksEntriesByPupil, marksEntriesOfPupil, type SchoolLedgerState } from './schoolLedger';

/*
 * Term results: per pupil, subject and term (or half-year), the result the rules engine
 * computes from the marks in force (gathered exactly as the class journal's decider gathers
 * them for a recommendation), with its breakdown; the finalized grade, if any; and whether the
 * two differ. Computed when queried, from the folded marks: replay itself never runs the rules.
 */

export type TermResultError = RuleError | RuleSetNotFound;

export type TermResult = {
  readonly classId: string;
  readonly schoolYearId: string;
  readonly startYear: number;
  readonly gradeLevel: number;
  readonly subjectId: string;
  /** The subject's teacher now. */
  readonly teacherId: string;
  readonly gradingMode: GradingMode;
  readonly pupilId: string;
  readonly period: AssessmentPeriod;
  /** The rule set the class's calendar recorded. */
  readonly ruleSetId: string;
  /** The marks in force, as handed to the rules. */
  readonly marks: PeriodMarks;
  /** The rules engine's result and breakdown (or why it could not compute one). */
  readonly result: E.Either<TermResultError, PeriodResult>;
  /** The grade the result recommends: the grade, `notAssessed` (н/а), or null where the rules compute none (pass/fail, no marks). */
  readonly computed: GradeValue | null;
  readonly finalized: ReportCardPeriodGrade | null;
  /** True when a grade was finalized, the rules compute one, and the two differ. */
  readonly differs: boolean;
};

export type TermResultsFilter = {
  readonly classId?: string;
  readonly pupilId?: string;
  readonly subjectId?: string;
  readonly period?: AssessmentPeriod;
  /** Only classes of the school year starting in this year. */
  readonly startYear?: number;
};

/** The grade a period result recommends (as the decider records it with a finalized grade). */
export const computedGradeOf = (result: PeriodResult): GradeValue | null =>
  result._tag === 'graded' ? result.grade : result._tag === 'notAssessed' ? 'notAssessed' : null;

/**
 * Term results of the pupils enrolled during each period (classes by school year and id,
 * subjects in order of assignment, pupils in order of enrolment, periods in calendar order).
 */
export const termResultsOf = (state: SchoolLedgerState, ruleSets: ReadonlyArray<RuleSet>, filter: TermResultsFilter = {}): ReadonlyArray<TermResult> => {
  const rows: TermResult[] = [];
  const classes = [...state.classes.values()]
    .filter((cls) => (filter.classId === undefined || cls.classId === filter.classId) && (filter.startYear === undefined || cls.startYear === filter.startYear))
    .sort(byYearAndClass);
  for (const cls of classes) {
    const ruleSet = ruleSetOfClass(ruleSets, cls);
    for (const subject of cls.subjects.values()) {
      if (filter.subjectId !== undefined && subject.subjectId !== filter.subjectId) continue;
      const halfYear = isGradedPerHalfYear(ruleSet, subject);
      const periodOf = (date: string) => assessmentPeriodOf(cls.calendar, halfYear, date);
      const plan = { lessons: lessonsById(subject), summatives: subject.summatives };
      // Each pupil's marks and attendance in the shape `marksInForce` reads (the decider's state has the same shape).
      // For one pupil (a report card), that pupil's entries only: not every pupil's, decoded, per card.
      const one = filter.pupilId;
      const marksOf = one === undefined ? marksEntriesByPupil(subject) : new Map([[one, marksEntriesOfPupil(subject, one)]]);
      const attendanceOf = one === undefined ? attendanceByPupil(subject) : new Map([[one, attendanceOfPupil(subject, one)]]);
      const noEntries: ReadonlyArray<never> = [];
      const marksRecordOf = (pupilId: string): MarksRecord => {
        const marks = marksOf.get(pupilId) ?? noEntries;
        const attendance = attendanceOf.get(pupilId) ?? noEntries;
        return { marks: { values: () => marks }, attendance: { values: () => attendance } };
      };
      for (const period of periodsOfSubject(cls.calendar, halfYear)) {
        if (filter.period !== undefined && (filter.period.kind !== period.kind || filter.period.number !== period.number)) continue;
        const dates = datesOfPeriod(cls.calendar, period);
        if (dates === undefined) continue;
        for (const [pupilId, stays] of cls.pupils) {
          if (filter.pupilId !== undefined && pupilId !== filter.pupilId) continue;
          if (!wasEnrolledDuring(stays, dates)) continue;
          const record = subject.pupils.get(pupilId);
          // A summative the pupil could not sit (not enrolled, or exempt, that day) is not theirs, as in the decider.
          const exemptions = record?.exemptions ?? [];
          const sits = (date: string) => isEnrolledOn(stays, date) && !exemptions.some((x) => x.from <= date && date <= x.to);
          const marks = marksInForce(plan, marksRecordOf(pupilId), periodOf, period, sits);
          const result: E.Either<TermResultError, PeriodResult> = pipe(
            ruleSet,
            E.chainW((rs) => computePeriodResult(rs, { gradeLevel: cls.gradeLevel, gradingMode: subject.gradingMode, period }, marks)),
          );
          const computed = E.isRight(result) ? computedGradeOf(result.right) : null;
          const entry = gradesOfRecord(state, record)?.periodGrades.find((g) => g.period !== null && g.period.kind === period.kind && g.period.number === period.number);
          const finalized = entry === undefined ? null : reportCardPeriodGradeOf({ ...entry, period });
          rows.push({
            classId: cls.classId,
            schoolYearId: cls.schoolYearId,
            startYear: cls.startYear,
            gradeLevel: cls.gradeLevel,
            subjectId: subject.subjectId,
            teacherId: subject.teacherId,
            gradingMode: subject.gradingMode,
            pupilId,
            period,
            ruleSetId: cls.calendar.ruleSetId,
            marks,
            result,
            computed,
            finalized,
            differs: finalized !== null && computed !== null && String(finalized.grade) !== String(computed),
          });
        }
      }
    }
  }
  return rows;
};
