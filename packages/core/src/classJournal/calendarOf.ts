import type { AssessmentPeriod, DatedPeriod } from '../events/common';
import type { ClassCalendar } from '../events/roster';
import { isWithinRange, type DateRange, type LocalDate } from '../primitives/localDate';
import type { Enrolment } from './state';

/** The term (четверть) a date falls in, if any: holidays fall in none. */
export const termOf = (calendar: ClassCalendar, date: LocalDate): DatedPeriod | undefined =>
  calendar.terms.find((term) => isWithinRange(date, term));

/** The assessment period of a date for a subject graded per term or per half-year. */
export const assessmentPeriodOf = (calendar: ClassCalendar, byHalfYear: boolean, date: LocalDate): AssessmentPeriod | undefined => {
  const periods = byHalfYear ? calendar.halfYears : calendar.terms;
  const found = periods.find((period) => isWithinRange(date, period));
  return found === undefined ? undefined : { kind: byHalfYear ? 'halfYear' : 'term', number: found.number };
};

/** The dates of an assessment period, if the calendar has it. */
export const datesOfPeriod = (calendar: ClassCalendar, period: AssessmentPeriod): DatedPeriod | undefined =>
  (period.kind === 'halfYear' ? calendar.halfYears : calendar.terms).find((p) => p.number === period.number);

/** The periods a subject is graded in: the four terms, or the two half-years. */
export const periodsOfSubject = (calendar: ClassCalendar, byHalfYear: boolean): ReadonlyArray<AssessmentPeriod> =>
  (byHalfYear ? calendar.halfYears : calendar.terms).map((p) => ({ kind: byHalfYear ? 'halfYear' : 'term', number: p.number }));

export const describePeriod = (period: AssessmentPeriod): string =>
  period.kind === 'term' ? `term ${period.number}` : `half-year ${period.number}`;

/** True when one of the pupil's stays in the class covers the date. */
export const isEnrolledOn = (stays: ReadonlyArray<Enrolment> | undefined, date: LocalDate): boolean =>
  (stays ?? []).some((stay) => stay.from <= date && (stay.until === undefined || date < stay.until));

/** True when one of the pupil's stays shares at least one day with the range. */
export const wasEnrolledDuring = (stays: ReadonlyArray<Enrolment> | undefined, range: DateRange): boolean =>
  (stays ?? []).some(
    (stay) => stay.from <= range.endsOn && (stay.until === undefined || (stay.until > range.startsOn && stay.until > stay.from)),
  );
