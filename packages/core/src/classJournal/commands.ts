import * as t from 'io-ts';
import type { Command } from '../commandHandling/command';
import { AssessmentPeriodCodec, AttendanceCodeCodec, GradeValueCodec } from '../events/common';
import {
  ExemptionGranted,
  FormativeMarkRecorded,
  SummativeScoreRecorded,
  CorrectedValueCodec,
} from '../events/journal';
import { LessonCancelled, LessonPlanned, LessonRescheduled, LessonTopicRevised, PlanApproved, SummativeCancelled, SummativePlanned } from '../events/plan';
import { ClassOpened, PupilEnrolled, PupilTransferred, PupilWithdrawn, SubjectAssigned } from '../events/roster';
import { IdCodec } from '../primitives/ids';
import { boundedText, intInRange } from '../primitives/text';

/*
 * Commands on a class's stream. Each command's data has an io-ts codec: `decide` decodes it
 * first, so a bad value (a mark of 11, a date of 2021-02-30) is refused with the field named
 * before any rule runs. Where a command records exactly one event of the same shape, the
 * event's codec is reused.
 */

const PupilMarkRef = { subjectId: IdCodec, pupilId: IdCodec, markId: IdCodec };

export const classJournalCommandCodecs = {
  OpenClass: ClassOpened.data,
  AssignSubject: SubjectAssigned.data,
  EnrolPupil: PupilEnrolled.data,
  TransferPupil: PupilTransferred.data,
  WithdrawPupil: PupilWithdrawn.data,
  PlanLesson: LessonPlanned.data,
  RescheduleLesson: LessonRescheduled.data,
  CancelLesson: LessonCancelled.data,
  ReviseLessonTopic: LessonTopicRevised.data,
  PlanSummative: SummativePlanned.data,
  CancelSummative: SummativeCancelled.data,
  ApprovePlan: PlanApproved.data,
  RecordFormativeMark: FormativeMarkRecorded.data,
  RecordSummativeScore: SummativeScoreRecorded.data,
  ModerateSummativeScore: t.readonly(t.strict({ ...PupilMarkRef, points: intInRange(0, 100, 'SummativePoints') })),
  CorrectMark: t.readonly(t.strict({ ...PupilMarkRef, value: CorrectedValueCodec })),
  AnnulMark: t.readonly(t.strict(PupilMarkRef)),
  MarkAttendance: t.readonly(
    t.strict({ subjectId: IdCodec, attendanceId: IdCodec, lessonId: IdCodec, pupilId: IdCodec, code: AttendanceCodeCodec }),
  ),
  CorrectAttendance: t.readonly(
    t.strict({ subjectId: IdCodec, attendanceId: IdCodec, pupilId: IdCodec, code: t.union([AttendanceCodeCodec, t.literal('present')]) }),
  ),
  GrantExemption: ExemptionGranted.data,
  FinalizePeriodGrade: t.readonly(
    t.intersection([
      t.strict({ subjectId: IdCodec, pupilId: IdCodec, period: AssessmentPeriodCodec, grade: GradeValueCodec }),
      t.exact(t.partial({ overrideReason: boundedText(1000, 'OverrideReason') })),
    ]),
  ),
  FinalizeYearGrade: t.readonly(
    t.intersection([
      t.strict({ subjectId: IdCodec, pupilId: IdCodec, grade: GradeValueCodec }),
      t.exact(t.partial({ overrideReason: boundedText(1000, 'OverrideReason') })),
    ]),
  ),
  RecordResitResult: t.readonly(t.strict({ subjectId: IdCodec, pupilId: IdCodec, testGrade: GradeValueCodec })),
} as const;

type Codecs = typeof classJournalCommandCodecs;
export type ClassJournalCommandType = keyof Codecs;
export type ClassJournalCommandData<T extends ClassJournalCommandType> = t.TypeOf<Codecs[T]>;

/** Any command on a class's stream. */
export type ClassJournalCommand = { [K in ClassJournalCommandType]: Command<K, ClassJournalCommandData<K>> }[ClassJournalCommandType];
export type ClassJournalCommandOfType<T extends ClassJournalCommandType> = Extract<ClassJournalCommand, { type: T }>;

export const classJournalCommandTypes = Object.keys(classJournalCommandCodecs) as ReadonlyArray<ClassJournalCommandType>;
