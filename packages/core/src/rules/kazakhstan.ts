import * as E from 'fp-ts/Either';
import { pipe } from 'fp-ts/function';
import { isLocalDate, type LocalDate } from '../primitives/localDate';
import type { GradeScale, GradeScaleForLevels, RuleSet, RuleSetData } from './ruleSet';
import { decodeRuleSets, type InvalidRuleSet } from './ruleSetCodec';

/**
 * The Kazakhstan rule sets of criteria-based assessment, as data. Sources are those of
 * /work/shared/domain/README.md ("Assessment"), with their strength tags; what is only
 * [secondary] or unverified is a parameter or a documented default, never a hidden constant.
 */

/**
 * Dates the domain reference does not verify, with the library's defaults.
 * - `currentWeightsFrom`: first day of ФО 25% + СОР 25% + СОЧ 50%. Default 2022-09-01: the older
 *   rule is attested by 2020-21 sources, the current one only by a school site and calculators
 *   with no date; the first school year after those sources that this library assumes is 2022-23
 *   (2021-22 is possible too: a school that knows better passes its own date).
 * - `gradeOneNoMarksFrom`: first day on which grade 1 has no marks ("since 2020", [secondary]);
 *   default 2020-09-01, the start of the 2020-21 school year.
 */
export type KazakhstanOptions = {
  readonly currentWeightsFrom: LocalDate;
  readonly gradeOneNoMarksFrom: LocalDate;
};

export const kazakhstanDefaults: KazakhstanOptions = {
  currentWeightsFrom: '2022-09-01',
  gradeOneNoMarksFrom: '2020-09-01',
};

/** Ids of the shipped rule sets; stable whatever the boundary dates, since school years record them. */
export const kazakhstanRuleSetIds = {
  olderWithGradeOneMarks: 'kz-older-g1-marks',
  older: 'kz-older',
  currentWithGradeOneMarks: 'kz-current-g1-marks',
  current: 'kz-current',
} as const;

/** Grades 2-11 (and 12): 0-39 → 2, 40-64 → 3, 65-84 → 4, 85-100 → 5. [secondary] */
export const kazakhstanScale: GradeScale = {
  grades: [2, 3, 4, 5],
  lowestPassingGrade: 3,
  bands: [
    { from: 0, to: 39, grade: 2 },
    { from: 40, to: 64, grade: 3 },
    { from: 65, to: 84, grade: 4 },
    { from: 85, to: 100, grade: 5 },
  ],
};

/** Grade 1, older edition (while grade 1 still had marks): 0-20 → 2, 21-50 → 3, 51-80 → 4, 81-100 → 5. [secondary] */
export const kazakhstanOlderGradeOneScale: GradeScale = {
  grades: [2, 3, 4, 5],
  lowestPassingGrade: 3,
  bands: [
    { from: 0, to: 20, grade: 2 },
    { from: 21, to: 50, grade: 3 },
    { from: 51, to: 80, grade: 4 },
    { from: 81, to: 100, grade: 5 },
  ],
};

/** Pass/fail (зачёт / незачёт) subjects of primary school, by the subject codes this library suggests. [secondary] */
export const kazakhstanPassFailSubjects = ['music', 'physicalEducation', 'artsAndCrafts', 'digitalLiteracy'] as const;

const SOURCES = {
  order: 'Ministry order No. 125 of 18 Mar 2008 (typical rules of current monitoring, intermediate and final attestation), amended 2016-2025 [official: title and amendments; article text not read]',
  older: 'Older rule СОР 50% + СОЧ 50%, formative marks not counted [secondary: 2020-21 sources]',
  current: 'Current rule ФО 25% + СОР 25% + СОЧ 50%, ФО = mean mark / 10; without СОЧ ФО 50% + СОР 50% [secondary: school site citing para. 28; public calculators]; start date not verified',
  common:
    'Thresholds grades 2-11 0-39/40-64/65-84/85-100 [secondary]; rounding half up on the full-precision percentage, one decimal displayed [vendor: Kundelik help]; 1-hour subjects per half-year from ФО and СОР [secondary]; year grade = mean of period grades rounded to nearest whole [secondary]; re-sit final = mean of year grade and test [secondary]; pass/fail primary subjects [secondary]; СОР pooling and cancelled-summative handling not verified (library defaults)',
};

const standardScales: ReadonlyArray<GradeScaleForLevels> = [{ gradeLevels: { from: 2, to: 12 }, scale: kazakhstanScale }];
const scalesWithGradeOne: ReadonlyArray<GradeScaleForLevels> = [
  { gradeLevels: { from: 1, to: 1 }, scale: kazakhstanOlderGradeOneScale },
  ...standardScales,
];

type Era = { readonly weights: 'older' | 'current'; readonly gradeOneMarks: boolean };

const ruleSetData = (era: Era, effective: RuleSetData['effective']): RuleSetData => ({
  id:
    era.weights === 'older'
      ? era.gradeOneMarks
        ? kazakhstanRuleSetIds.olderWithGradeOneMarks
        : kazakhstanRuleSetIds.older
      : era.gradeOneMarks
        ? kazakhstanRuleSetIds.currentWithGradeOneMarks
        : kazakhstanRuleSetIds.current,
  title: `Kazakhstan criteria-based assessment, ${era.weights === 'older' ? 'older rule (СОР 50% + СОЧ 50%)' : 'current rule (ФО 25% + СОР 25% + СОЧ 50%)'}${era.gradeOneMarks ? ', grade 1 with marks' : ', grade 1 without marks'}`,
  source: [SOURCES.order, era.weights === 'older' ? SOURCES.older : SOURCES.current, SOURCES.common].join('; '),
  effective,
  weights:
    era.weights === 'older'
      ? {
          withTermSummative: { formative: 0, sectionSummatives: 50, termSummative: 50 },
          // Not in the sources: with no СОЧ the СОР carry the whole grade (assumption).
          withoutTermSummative: { formative: 0, sectionSummatives: 100, termSummative: 0 },
        }
      : {
          withTermSummative: { formative: 25, sectionSummatives: 25, termSummative: 50 },
          withoutTermSummative: { formative: 50, sectionSummatives: 50, termSummative: 0 },
        },
  formative: { minMark: 1, maxMark: 10, dropLowest: 0 },
  sectionSummatives: { combine: 'pooledPoints' },
  gradeScales: era.gradeOneMarks ? scalesWithGradeOne : standardScales,
  gradeRounding: { decimals: 0, mode: 'halfUp' },
  displayRounding: { decimals: 1, mode: 'halfUp' },
  halfYear: { maxHoursPerWeek: 1, termSummative: 'notAllowed' },
  noMarksGradeLevels: era.gradeOneMarks ? [] : [1],
  passFailSubjects: [{ gradeLevels: { from: 1, to: 4 }, subjects: kazakhstanPassFailSubjects }],
  cancelledTermSummative: 'redistribute',
  emptyComponent: 'redistribute',
  yearGrade: { method: 'meanOfGrades', rounding: 'halfUp' },
  resit: { rounding: 'halfUp', maxAttempts: 2, maxFailedSubjects: 2 },
  // At most 3 СОР per term and subject; at most 3 СОЧ a day for a class, never on the term's last
  // day, never on the day of a СОР of the same subject. [secondary]
  summativeLimits: { sectionSummativesPerPeriod: 3, termSummativesPerDay: 3, noTermSummativeOnLastDayOfTerm: true, noTermSummativeOnSectionSummativeDay: true },
});

const optionError = (field: string, value: unknown): InvalidRuleSet => ({
  _tag: 'InvalidRuleSet',
  ruleSetId: null,
  problems: [{ field, value, message: 'expected a date YYYY-MM-DD' }],
  message: `${field} (${JSON.stringify(value)}): expected a date YYYY-MM-DD`,
});

/**
 * The shipped Kazakhstan rule sets, split at the two unverified boundaries (see
 * {@link KazakhstanOptions}); with the defaults:
 * - `kz-older-g1-marks` until 2020-09-01: СОР 50% + СОЧ 50%, grade 1 marked with the older grade-1 thresholds;
 * - `kz-older` 2020-09-01 to 2022-09-01: СОР 50% + СОЧ 50%, grade 1 without marks;
 * - `kz-current` from 2022-09-01: ФО 25% + СОР 25% + СОЧ 50%, grade 1 without marks.
 * (`kz-current-g1-marks` only exists if the current weights are dated before grade 1 lost its marks.)
 * Each one passes `decodeRuleSet`; the list has no overlapping periods.
 */
export const kazakhstanRuleSets = (
  options: Partial<KazakhstanOptions> = {},
): E.Either<InvalidRuleSet, ReadonlyArray<RuleSet>> => {
  const { currentWeightsFrom, gradeOneNoMarksFrom } = { ...kazakhstanDefaults, ...options };
  if (!isLocalDate(currentWeightsFrom)) return E.left(optionError('currentWeightsFrom', currentWeightsFrom));
  if (!isLocalDate(gradeOneNoMarksFrom)) return E.left(optionError('gradeOneNoMarksFrom', gradeOneNoMarksFrom));
  const first = currentWeightsFrom < gradeOneNoMarksFrom ? currentWeightsFrom : gradeOneNoMarksFrom;
  const second = currentWeightsFrom < gradeOneNoMarksFrom ? gradeOneNoMarksFrom : currentWeightsFrom;
  // Between the two dates exactly one of the changes has happened.
  const middle: ReadonlyArray<RuleSetData> =
    first === second
      ? []
      : [
          ruleSetData(
            currentWeightsFrom < gradeOneNoMarksFrom
              ? { weights: 'current', gradeOneMarks: true }
              : { weights: 'older', gradeOneMarks: false },
            { from: first, until: second },
          ),
        ];
  return pipe(
    decodeRuleSets([
      ruleSetData({ weights: 'older', gradeOneMarks: true }, { from: null, until: first }),
      ...middle,
      ruleSetData({ weights: 'current', gradeOneMarks: false }, { from: second, until: null }),
    ]),
  );
};
