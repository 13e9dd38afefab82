import * as O from 'fp-ts/Option';
import type { AssessmentPeriod, GradeValue } from '../events/common';
import { gradeRank, scaleForGradeLevel } from '../rules/gradeScale';
import type { GradeScale, RuleSet } from '../rules/ruleSet';
import { byYearAndClass, ruleSetOfClass } from './rulesOfClass';
import type { GradeHistoryEntry } from './auditTrail';
import { gradesOfRecord, type SchoolLedgerState } from './schoolLedger';

/*
 * Class analytics over finalized grades, comparable across years:
 * - success rate (успеваемость / үлгерім): the share of pupils with no failing grade ("2" on the
 *   Kazakhstan scale: below the scale's lowest passing grade) and no "not assessed" (н/а);
 * - quality of knowledge (качество знаний / білім сапасы): the share of pupils all of whose
 *   grades are above the lowest passing grade ("4" and "5").
 * Only grades of the scale and н/а count; pass/fail grades (зачёт) are left out. A pupil counts
 * once per group (the denominator: pupils with at least one counted grade in the group), and
 * each grade is judged on the scale of its class's rule set and grade level. Numerators and
 * denominators are exact; the percentage is rounded half up to one decimal, from integers.
 */

export type AnalyticsGroup = 'class' | 'classSubject' | 'subject' | 'teacher';

export type AnalyticsPeriod = AssessmentPeriod | 'year';

export type ClassAnalyticsFilter = {
  /**
   * What a row is, within a school year and period: `class` (all subjects of a class, the
   * default), `classSubject` (one subject in one class), `subject` (one subject in all classes),
   * `teacher` (the grades a teacher's subjects got, in all classes; the teacher when the grade
   * was finalized).
   */
  readonly groupBy?: AnalyticsGroup;
  readonly startYear?: number;
  readonly classId?: string;
  readonly gradeLevel?: number;
  readonly subjectId?: string;
  readonly teacherId?: string;
  /** A term, a half-year, or `year` (year grades); default: every period with grades. */
  readonly period?: AnalyticsPeriod;
};

/** An exact share: numerator / denominator, and the percentage rounded half up to 0.1 (null when there is nobody). */
export type Share = { readonly numerator: number; readonly denominator: number; readonly percentage: string | null };

export type ClassAnalyticsRow = {
  readonly startYear: number;
  readonly schoolYearId: string;
  readonly period: AnalyticsPeriod;
  readonly groupBy: AnalyticsGroup;
  /** The group's class, subject and teacher (null where the group spans several). */
  readonly classId: string | null;
  readonly gradeLevel: number | null;
  readonly subjectId: string | null;
  readonly teacherId: string | null;
  /** Pupils with at least one counted grade. */
  readonly pupils: number;
  readonly successRate: Share;
  readonly quality: Share;
};

/** numerator / denominator as a percentage with one decimal, rounded half up, computed from integers. */
export const sharePercentage = (numerator: number, denominator: number): string | null => {
  if (denominator === 0) return null;
  const tenths = Math.floor((2 * 1000 * numerator + denominator) / (2 * denominator));
  return `${Math.floor(tenths / 10)}.${tenths % 10}`;
};

export const shareOf = (numerator: number, denominator: number): Share => ({ numerator, denominator, percentage: sharePercentage(numerator, denominator) });

/**
 * How a grade counts: null when it does not (pass/fail, or not on the scale, or no scale: the
 * class's rule set is not given or has no scale for its grade level; its н/а then does not count
 * either, or a class read without its rules would show only its н/а pupils, all failing).
 */
export const judgeGrade = (scale: GradeScale | undefined, grade: GradeValue): { readonly success: boolean; readonly quality: boolean } | null => {
  if (scale === undefined) return null;
  if (grade === 'notAssessed') return { success: false, quality: false };
  const rank = gradeRank(scale, grade);
  if (O.isNone(rank)) return null;
  const passing = gradeRank(scale, scale.lowestPassingGrade);
  if (O.isNone(passing)) return null;
  return { success: rank.value >= passing.value, quality: rank.value > passing.value };
};

const periodKeyOf = (period: AnalyticsPeriod): string => (period === 'year' ? 'year' : `${period.kind}-${period.number}`);

const periodOrder = (period: AnalyticsPeriod): number => (period === 'year' ? 100 : (period.kind === 'term' ? 0 : 10) + period.number);

const samePeriod = (a: AnalyticsPeriod, b: AnalyticsPeriod): boolean => periodKeyOf(a) === periodKeyOf(b);

type Group = {
  readonly row: Omit<ClassAnalyticsRow, 'pupils' | 'successRate' | 'quality'>;
  /** pupil → [successful so far, quality so far]. */
  readonly pupils: Map<string, { success: boolean; quality: boolean }>;
};

/** Success rate and quality of knowledge per group, school year and period (by year, period, then group key). */
export const classAnalyticsOf = (state: SchoolLedgerState, ruleSets: ReadonlyArray<RuleSet>, filter: ClassAnalyticsFilter = {}): ReadonlyArray<ClassAnalyticsRow> => {
  const groupBy = filter.groupBy ?? 'class';
  const groups = new Map<string, Group>();
  const classes = [...state.classes.values()]
    .filter(
      (cls) =>
        (filter.classId === undefined || cls.classId === filter.classId) &&
        (filter.startYear === undefined || cls.startYear === filter.startYear) &&
        (filter.gradeLevel === undefined || cls.gradeLevel === filter.gradeLevel),
    )
    .sort(byYearAndClass);
  for (const cls of classes) {
    const ruleSet = ruleSetOfClass(ruleSets, cls);
    const scale = ruleSet._tag === 'Right' ? O.toUndefined(scaleForGradeLevel(ruleSet.right, cls.gradeLevel)) : undefined;
    for (const subject of cls.subjects.values()) {
      if (filter.subjectId !== undefined && subject.subjectId !== filter.subjectId) continue;
      for (const record of subject.pupils.values()) {
        const count = (period: AnalyticsPeriod, finalized: GradeHistoryEntry): void => {
          if (filter.period !== undefined && !samePeriod(filter.period, period)) return;
          if (filter.teacherId !== undefined && (finalized.teacherId ?? subject.teacherId) !== filter.teacherId) return;
          const judged = judgeGrade(scale, finalized.grade);
          if (judged === null) return;
          const key =
            groupBy === 'class'
              ? cls.classId
              : groupBy === 'classSubject'
                ? `${cls.classId}\u0000${subject.subjectId}`
                : groupBy === 'subject'
                  ? subject.subjectId
                  : (finalized.teacherId ?? subject.teacherId);
          const groupKey = `${cls.startYear}\u0000${periodKeyOf(period)}\u0000${key}`;
          let group = groups.get(groupKey);
          if (group === undefined) {
            const perClass = groupBy === 'class' || groupBy === 'classSubject';
            group = {
              row: {
                startYear: cls.startYear,
                schoolYearId: cls.schoolYearId,
                period,
                groupBy,
                classId: perClass ? cls.classId : null,
                gradeLevel: perClass ? cls.gradeLevel : null,
                subjectId: groupBy === 'classSubject' || groupBy === 'subject' ? subject.subjectId : null,
                teacherId: groupBy === 'teacher' ? (finalized.teacherId ?? subject.teacherId) : null,
              },
              pupils: new Map(),
            };
            groups.set(groupKey, group);
          }
          const pupil = group.pupils.get(record.pupilId);
          if (pupil === undefined) group.pupils.set(record.pupilId, { ...judged });
          else {
            pupil.success &&= judged.success;
            pupil.quality &&= judged.quality;
          }
        };
        const grades = gradesOfRecord(state, record);
        for (const grade of grades?.periodGrades ?? []) if (grade.period !== null) count(grade.period, grade);
        if (grades?.yearGrade != null) count('year', grades.yearGrade);
      }
    }
  }
  const key = (r: Group['row']): string => `${r.classId ?? ''}\u0000${r.subjectId ?? ''}\u0000${r.teacherId ?? ''}`;
  return [...groups.values()]
    .sort((a, b) => a.row.startYear - b.row.startYear || periodOrder(a.row.period) - periodOrder(b.row.period) || (key(a.row) < key(b.row) ? -1 : key(a.row) > key(b.row) ? 1 : 0))
    .map(({ row, pupils }) => {
      let success = 0;
      let quality = 0;
      for (const p of pupils.values()) {
        if (p.success) success++;
        if (p.quality) quality++;
      }
      return { ...row, pupils: pupils.size, successRate: shareOf(success, pupils.size), quality: shareOf(quality, pupils.size) };
    });
};
