import * as t from 'io-ts';
import { IdCodec } from '../primitives/ids';
import { boundedText, intInRange } from '../primitives/text';
import { AssessmentPeriodCodec, GradeValueCodec } from './common';
import { defineEvent } from './ledgerEvent';

/**
 * What the rules engine recommended when a grade was finalized: the grade and the exact
 * percentage (as a reduced fraction "n/d", so that nothing depends on floating point).
 * `null` where the engine computes nothing (pass/fail subjects, no-marks subjects).
 */
export const RecommendationCodec = t.union(
  [
    t.null,
    t.readonly(
      t.strict({
        grade: GradeValueCodec,
        percentage: t.union([t.null, t.refinement(t.string, (s) => /^-?\d+\/\d+$/.test(s), 'Fraction')]),
      }),
    ),
  ],
  'Recommendation',
);
export type Recommendation = t.TypeOf<typeof RecommendationCodec>;

/**
 * A term (тоқсандық / четвертная) or half-year grade entered by the teacher. The computed
 * recommendation and the rule set at the time are kept beside it, so that an audit can show
 * where the entered grade differs and why (`overrideReason`).
 */
export const PeriodGradeFinalized = defineEvent(
  'PeriodGradeFinalized',
  1,
  t.readonly(
    t.intersection([
      t.strict({
        subjectId: IdCodec,
        pupilId: IdCodec,
        period: AssessmentPeriodCodec,
        grade: GradeValueCodec,
        recommendation: RecommendationCodec,
        ruleSetId: IdCodec,
      }),
      t.exact(t.partial({ overrideReason: boundedText(1000, 'OverrideReason') })),
    ]),
  ),
);
export type PeriodGradeFinalizedData = t.TypeOf<typeof PeriodGradeFinalized.data>;

/** The year grade (годовая / жылдық), the final grade for the subject unless a re-sit follows. */
export const YearGradeFinalized = defineEvent(
  'YearGradeFinalized',
  1,
  t.readonly(
    t.intersection([
      t.strict({
        subjectId: IdCodec,
        pupilId: IdCodec,
        grade: GradeValueCodec,
        recommendation: RecommendationCodec,
        ruleSetId: IdCodec,
      }),
      t.exact(t.partial({ overrideReason: boundedText(1000, 'OverrideReason') })),
    ]),
  ),
);
export type YearGradeFinalizedData = t.TypeOf<typeof YearGradeFinalized.data>;

/**
 * A re-sit (year summative test after a "2" for the year): the test grade and the final grade
 * it gives under the rule set.
 */
export const ResitResultRecorded = defineEvent(
  'ResitResultRecorded',
  1,
  t.readonly(
    t.strict({
      subjectId: IdCodec,
      pupilId: IdCodec,
      attempt: intInRange(1, 2),
      testGrade: GradeValueCodec,
      finalGrade: GradeValueCodec,
      ruleSetId: IdCodec,
    }),
  ),
);
export type ResitResultRecordedData = t.TypeOf<typeof ResitResultRecorded.data>;
