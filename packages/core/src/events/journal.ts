import * as t from 'io-ts';
import { IdCodec } from '../primitives/ids';
import { LocalDateCodec } from '../primitives/localDate';
import { intInRange } from '../primitives/text';
import { AttendanceCodeCodec } from './common';
import { defineEvent } from './ledgerEvent';

/*
 * The class journal (электронный журнал / электрондық журнал): marks, summative scores,
 * attendance and exemptions. Corrections and annulments supersede earlier events; the earlier
 * event stays in the ledger.
 */

/** A formative mark (ФО / ҚБ) from 1 to 10 for a pupil on a lesson. */
export const FormativeMarkRecorded = defineEvent(
  'FormativeMarkRecorded',
  1,
  t.readonly(
    t.strict({
      subjectId: IdCodec,
      markId: IdCodec,
      lessonId: IdCodec,
      pupilId: IdCodec,
      mark: intInRange(1, 10, 'FormativeMark'),
    }),
  ),
);
export type FormativeMarkRecordedData = t.TypeOf<typeof FormativeMarkRecorded.data>;

/** Points a pupil scored on a summative (СОР or СОЧ), out of its planned maximum. */
export const SummativeScoreRecorded = defineEvent(
  'SummativeScoreRecorded',
  1,
  t.readonly(
    t.strict({
      subjectId: IdCodec,
      markId: IdCodec,
      summativeId: IdCodec,
      pupilId: IdCodec,
      points: intInRange(0, 100, 'SummativePoints'),
    }),
  ),
);
export type SummativeScoreRecordedData = t.TypeOf<typeof SummativeScoreRecorded.data>;

/** A disputed summative re-checked (moderation): the score may go up or down. Reason required. */
export const SummativeScoreModerated = defineEvent(
  'SummativeScoreModerated',
  1,
  t.readonly(
    t.strict({
      subjectId: IdCodec,
      markId: IdCodec,
      pupilId: IdCodec,
      points: intInRange(0, 100, 'SummativePoints'),
    }),
  ),
);
export type SummativeScoreModeratedData = t.TypeOf<typeof SummativeScoreModerated.data>;

/** The value a correction puts in place of a mark or a score. */
export const CorrectedValueCodec = t.union(
  [
    t.readonly(t.strict({ kind: t.literal('formative'), mark: intInRange(1, 10, 'FormativeMark') })),
    t.readonly(t.strict({ kind: t.literal('summative'), points: intInRange(0, 100, 'SummativePoints') })),
  ],
  'CorrectedValue',
);
export type CorrectedValue = t.TypeOf<typeof CorrectedValueCodec>;

/** A mark or score put right; supersedes the event that last set it. Reason required. */
export const MarkCorrected = defineEvent(
  'MarkCorrected',
  1,
  t.readonly(
    t.strict({
      subjectId: IdCodec,
      markId: IdCodec,
      pupilId: IdCodec,
      supersedesEventId: IdCodec,
      value: CorrectedValueCodec,
    }),
  ),
);
export type MarkCorrectedData = t.TypeOf<typeof MarkCorrected.data>;

/** A mark or score struck out; it no longer counts. Reason required. */
export const MarkAnnulled = defineEvent(
  'MarkAnnulled',
  1,
  t.readonly(t.strict({ subjectId: IdCodec, markId: IdCodec, pupilId: IdCodec, supersedesEventId: IdCodec })),
);
export type MarkAnnulledData = t.TypeOf<typeof MarkAnnulled.data>;

/**
 * Schema v1 of AttendanceMarked stored the Russian or Kazakh journal letter (н, п, б, о /
 * ж, д, а, к). v2 stores a language-neutral code; {@link attendanceMarkedV1ToV2} upcasts.
 */
export const AttendanceMarkedV1 = defineEvent(
  'AttendanceMarked',
  1,
  t.readonly(
    t.strict({
      subjectId: IdCodec,
      attendanceId: IdCodec,
      lessonId: IdCodec,
      pupilId: IdCodec,
      code: t.keyof({ н: null, п: null, уп: null, б: null, о: null, оп: null, ж: null, д: null, а: null, к: null }),
    }),
  ),
);
export type AttendanceMarkedV1Data = t.TypeOf<typeof AttendanceMarkedV1.data>;

/** A pupil absent from, or late to, a lesson (present is the default and not recorded). */
export const AttendanceMarked = defineEvent(
  'AttendanceMarked',
  2,
  t.readonly(
    t.strict({
      subjectId: IdCodec,
      attendanceId: IdCodec,
      lessonId: IdCodec,
      pupilId: IdCodec,
      code: AttendanceCodeCodec,
    }),
  ),
);
export type AttendanceMarkedData = t.TypeOf<typeof AttendanceMarked.data>;

const JOURNAL_LETTER_TO_CODE = {
  н: 'unexcused',
  ж: 'unexcused',
  п: 'excused',
  уп: 'excused',
  д: 'excused',
  б: 'illness',
  а: 'illness',
  о: 'late',
  оп: 'late',
  к: 'late',
} as const;

/** Upcasts an AttendanceMarked v1 payload (journal letter) to v2 (neutral code). */
export const attendanceMarkedV1ToV2 = (data: AttendanceMarkedV1Data): AttendanceMarkedData => ({
  subjectId: data.subjectId,
  attendanceId: data.attendanceId,
  lessonId: data.lessonId,
  pupilId: data.pupilId,
  code: JOURNAL_LETTER_TO_CODE[data.code],
});

/** An attendance record put right: another code, or `present` (the mark was a mistake). Reason required. */
export const AttendanceCorrected = defineEvent(
  'AttendanceCorrected',
  1,
  t.readonly(
    t.strict({
      subjectId: IdCodec,
      attendanceId: IdCodec,
      pupilId: IdCodec,
      supersedesEventId: IdCodec,
      code: t.union([AttendanceCodeCodec, t.literal('present')]),
    }),
  ),
);
export type AttendanceCorrectedData = t.TypeOf<typeof AttendanceCorrected.data>;

/** A pupil exempted from a subject's marks for a period (e.g. PE on medical grounds). */
export const ExemptionGranted = defineEvent(
  'ExemptionGranted',
  1,
  t.readonly(
    t.strict({
      subjectId: IdCodec,
      exemptionId: IdCodec,
      pupilId: IdCodec,
      from: LocalDateCodec,
      to: LocalDateCodec,
      ground: t.keyof({ medical: null, sport: null, other: null }),
    }),
  ),
);
export type ExemptionGrantedData = t.TypeOf<typeof ExemptionGranted.data>;
