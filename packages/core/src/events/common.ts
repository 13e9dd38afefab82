import * as t from 'io-ts';
import { LocalDateCodec } from '../primitives/localDate';
import { intInRange } from '../primitives/text';

/** How a subject is assessed in a class. */
export const GradingModeCodec = t.keyof(
  {
    scored: null, // marks 1-10, СОР/СОЧ points, a 5-point grade
    passFail: null, // зачёт / незачёт: no summative scores
    noMarks: null, // no marks at all (e.g. grade 1)
  },
  'GradingMode',
);
export type GradingMode = t.TypeOf<typeof GradingModeCodec>;

/**
 * An assessment period: a term (четверть / тоқсан, 1-4) or, for 1-hour subjects, a half-year
 * (полугодие / жартыжылдық, 1-2).
 */
export const AssessmentPeriodCodec = t.union(
  [
    t.readonly(t.strict({ kind: t.literal('term'), number: intInRange(1, 4) })),
    t.readonly(t.strict({ kind: t.literal('halfYear'), number: intInRange(1, 2) })),
  ],
  'AssessmentPeriod',
);
export type AssessmentPeriod = t.TypeOf<typeof AssessmentPeriodCodec>;

export const periodKey = (period: AssessmentPeriod): string => `${period.kind}-${period.number}`;

/** A numbered period with its first and last day (both included). */
export const DatedPeriodCodec = t.readonly(
  t.strict({ number: intInRange(1, 4), startsOn: LocalDateCodec, endsOn: LocalDateCodec }),
  'DatedPeriod',
);
export type DatedPeriod = t.TypeOf<typeof DatedPeriodCodec>;

/**
 * Attendance codes, as the ledger stores them since schema v2.
 *
 * | code      | Russian journal | Kazakh journal | Ed-Fi                       |
 * |-----------|-----------------|----------------|-----------------------------|
 * | unexcused | н               | ж              | Unexcused Absence           |
 * | excused   | п (уп)          | д              | Excused Absence             |
 * | illness   | б               | а              | Excused Absence (illness)   |
 * | late      | о (оп)          | к              | Tardy                       |
 */
export const AttendanceCodeCodec = t.keyof(
  { unexcused: null, excused: null, illness: null, late: null },
  'AttendanceCode',
);
export type AttendanceCode = t.TypeOf<typeof AttendanceCodeCodec>;

/**
 * A grade as entered in the journal: a number on the rule set's scale (2-5 in Kazakhstan),
 * `pass`/`fail` for pass/fail subjects, or `notAssessed` (н/а: temporarily not assessed).
 * Custom rule sets may use other labels (e.g. letter grades), so a label is any short text.
 */
export const GradeValueCodec = t.union(
  [intInRange(-1_000_000, 1_000_000, 'GradeNumber'), t.keyof({ pass: null, fail: null, notAssessed: null }), t.refinement(t.string, (s) => /^[A-Za-z0-9+-]{1,8}$/.test(s), 'GradeLabel')],
  'GradeValue',
);
export type GradeValue = number | string;
