import * as t from 'io-ts';

/**
 * An opaque identifier: letters, digits and `._:-`, 1 to 128 characters, no spaces.
 *
 * People (pupils, teachers, parents) appear in events only by such ids. The narrow alphabet is
 * deliberate: a name such as "Айгерим Садыкова" or a contact cannot pass as an id by accident.
 */
export type Id = string;

const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

export const isId = (value: unknown): value is Id => typeof value === 'string' && ID_PATTERN.test(value);

export const IdCodec = new t.Type<Id, string, unknown>(
  'Id',
  isId,
  (input, context) =>
    isId(input) ? t.success(input) : t.failure(input, context, 'expected an opaque id ([A-Za-z0-9._:-], 1-128 chars)'),
  t.identity,
);

/** A pupil (оқушы / ученик), by opaque id. */
export type PupilId = Id;
/** A teacher or other staff member, by opaque id. */
export type StaffId = Id;
/** A class of one school year, e.g. the 5"А" of 2019-2020. */
export type ClassId = Id;
/** A subject as taught in a class (пән / предмет). */
export type SubjectId = Id;
export type LessonId = Id;
export type SummativeId = Id;
export type MarkId = Id;
export type AttendanceId = Id;
export type SchoolYearId = Id;
export type RuleSetId = Id;
