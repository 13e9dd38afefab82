import type { AssessmentPeriod, AttendanceCode } from '../events/common';
import type { SummativeKind } from '../events/plan';
import type { LocalDate } from '../primitives/localDate';
import type { PeriodMarks, Summative } from '../rules/periodMarks';

/*
 * The marks in force for one pupil, subject and period, as the grade rules take them. Shared by
 * the class journal's decider (the recommendation recorded with a finalized grade) and the
 * read side (term results recomputed at query time), so that both gather marks the same way.
 * The shapes are structural: the decider's immutable state and a projection's own state fit.
 */

export type MarksLesson = { readonly date: LocalDate; readonly cancelled: boolean };

export type MarksSummative = {
  readonly summativeId: string;
  readonly lessonId: string;
  readonly kind: SummativeKind;
  readonly maxPoints: number;
  readonly cancelled: boolean;
};

/** A mark or score, however a state keeps it: its kind, what it was given on, its value, annulled or not. */
export type MarksEntry = {
  readonly kind: 'formative' | 'summative';
  /** The lesson (formative mark) or the summative (score). */
  readonly on: string;
  /** The mark 1-10, or the points. */
  readonly value: number;
  readonly annulled: boolean;
};

export type MarksAttendance = { readonly lessonId: string; readonly code: AttendanceCode | 'present' };

/** A subject's plan: its lessons (by id: a Map, or the school ledger's lessons decoded when asked for) and summatives. */
export type MarksPlan = {
  readonly lessons: { readonly get: (lessonId: string) => MarksLesson | undefined };
  readonly summatives: ReadonlyMap<string, MarksSummative>;
};

/** A pupil's record in the subject: marks and attendance (absent: nothing recorded yet). */
export type MarksRecord = {
  readonly marks: { readonly values: () => Iterable<MarksEntry> };
  readonly attendance: { readonly values: () => Iterable<MarksAttendance> };
};

/**
 * The marks in force in `period`: formative marks on the period's lessons (not cancelled), and
 * each summative planned on such a lesson, scored, cancelled, or missed (excused when the pupil's
 * attendance on its lesson is `excused` or `illness`). Annulled marks do not count. Of a
 * cancelled СОЧ and one planned in its place, the one not cancelled is the period's СОЧ. `periodOf`
 * gives the assessment period of a date for this subject (term or half-year).
 *
 * `sits(date)` says whether the pupil could sit a summative held that day: enrolled in the class
 * and not exempt from the subject. A summative the pupil could not sit and has no score on is not
 * theirs and is left out; counted as a miss it would be 0 points, yet the journal refuses them a
 * score on it. A score the pupil does have (recorded before an exemption was granted) counts.
 */
export const marksInForce = (
  plan: MarksPlan,
  record: MarksRecord | undefined,
  periodOf: (date: LocalDate) => AssessmentPeriod | undefined,
  period: AssessmentPeriod,
  sits: (date: LocalDate) => boolean = () => true,
): PeriodMarks => {
  const inPeriod = (lessonId: string): boolean => {
    const lesson = plan.lessons.get(lessonId);
    if (lesson === undefined || lesson.cancelled) return false;
    const p = periodOf(lesson.date);
    return p !== undefined && p.kind === period.kind && p.number === period.number;
  };
  const formative: number[] = [];
  const scores = new Map<string, number>();
  if (record !== undefined)
    for (const mark of record.marks.values()) {
      if (mark.annulled) continue;
      if (mark.kind === 'formative') {
        if (inPeriod(mark.on)) formative.push(mark.value);
      } else scores.set(mark.on, mark.value);
    }
  const outcomeOf = (summativeId: string, maxPoints: number, cancelled: boolean, lessonId: string): Summative => {
    if (cancelled) return { summativeId, maxPoints, outcome: { kind: 'cancelled' } };
    const points = scores.get(summativeId);
    if (points !== undefined) return { summativeId, maxPoints, outcome: { kind: 'scored', points } };
    let excused = false;
    if (record !== undefined)
      for (const a of record.attendance.values()) if (a.lessonId === lessonId && (a.code === 'excused' || a.code === 'illness')) excused = true;
    return { summativeId, maxPoints, outcome: { kind: excused ? 'missedExcused' : 'missedUnexcused' } };
  };
  const sectionSummatives: Summative[] = [];
  let termSummative: Summative | undefined;
  // Sorted by id, so the marks handed to the rules never depend on the order of recording.
  const summatives = [...plan.summatives.values()].sort((a, b) => (a.summativeId < b.summativeId ? -1 : 1));
  for (const s of summatives) {
    if (!inPeriod(s.lessonId)) continue;
    // Not the pupil's summative, unless they have a score on it that counts (recorded before, say, an exemption was granted).
    const day = plan.lessons.get(s.lessonId)?.date;
    if (day !== undefined && !sits(day) && (s.cancelled || !scores.has(s.summativeId))) continue;
    const outcome = outcomeOf(s.summativeId, s.maxPoints, s.cancelled, s.lessonId);
    if (s.kind === 'section') sectionSummatives.push(outcome);
    // A СОЧ cancelled and planned again: the live one counts, whichever id sorts last.
    else if (termSummative === undefined || termSummative.outcome.kind === 'cancelled') termSummative = outcome;
  }
  formative.sort((a, b) => a - b);
  return termSummative === undefined ? { formative, sectionSummatives } : { formative, sectionSummatives, termSummative };
};
