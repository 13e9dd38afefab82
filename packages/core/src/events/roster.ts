import * as t from 'io-ts';
import { IdCodec } from '../primitives/ids';
import { LocalDateCodec } from '../primitives/localDate';
import { intInRange } from '../primitives/text';
import { DatedPeriodCodec, GradingModeCodec } from './common';
import { defineEvent, type LedgerEventOf } from './ledgerEvent';

/** The calendar a class works by, copied from its school year when the class is opened. */
export const ClassCalendarCodec = t.readonly(
  t.strict({
    schoolYearId: IdCodec,
    startsOn: LocalDateCodec,
    endsOn: LocalDateCodec,
    terms: t.readonlyArray(DatedPeriodCodec),
    halfYears: t.readonlyArray(DatedPeriodCodec),
    ruleSetId: IdCodec,
  }),
  'ClassCalendar',
);
export type ClassCalendar = t.TypeOf<typeof ClassCalendarCodec>;

/**
 * A class (сынып / класс) opened for one school year: grade level 1-12 and a letter, e.g. 5"А".
 * The calendar is copied in so that the class's rules (which term a lesson is in, the term's
 * last day) are decided from the class's own stream.
 */
export const ClassOpened = defineEvent(
  'ClassOpened',
  1,
  t.readonly(
    t.strict({
      classId: IdCodec,
      gradeLevel: intInRange(1, 12),
      /** The parallel letter: А, Ә, Б, ... or a Latin letter. */
      letter: t.refinement(t.string, (s) => /^[\p{L}\d]{1,3}$/u.test(s), 'ClassLetter'),
      classTeacherId: IdCodec,
      calendar: ClassCalendarCodec,
    }),
  ),
);
export type ClassOpenedData = t.TypeOf<typeof ClassOpened.data>;

/** A subject assigned to a class with its teacher, weekly hours and grading mode. */
export const SubjectAssigned = defineEvent(
  'SubjectAssigned',
  1,
  t.readonly(
    t.strict({
      subjectId: IdCodec,
      teacherId: IdCodec,
      hoursPerWeek: intInRange(1, 12),
      gradingMode: GradingModeCodec,
    }),
  ),
);
export type SubjectAssignedData = t.TypeOf<typeof SubjectAssigned.data>;

/** A pupil joins the class from a date (included). */
export const PupilEnrolled = defineEvent(
  'PupilEnrolled',
  1,
  t.readonly(t.strict({ pupilId: IdCodec, on: LocalDateCodec })),
);
export type PupilEnrolledData = t.TypeOf<typeof PupilEnrolled.data>;

/** A pupil leaves the class for another class of the school; from `on` on they are not in this class. */
export const PupilTransferred = defineEvent(
  'PupilTransferred',
  1,
  t.readonly(t.strict({ pupilId: IdCodec, on: LocalDateCodec, toClassId: IdCodec })),
);
export type PupilTransferredData = t.TypeOf<typeof PupilTransferred.data>;

/** A pupil leaves the school; from `on` on they are not in this class. */
export const PupilWithdrawn = defineEvent(
  'PupilWithdrawn',
  1,
  t.readonly(t.strict({ pupilId: IdCodec, on: LocalDateCodec })),
);
export type PupilWithdrawnData = t.TypeOf<typeof PupilWithdrawn.data>;

export type ClassOpened = LedgerEventOf<'ClassOpened', ClassOpenedData>;
