/*
 * What a generated school teaches: about twelve subjects a class, with the weekly hours of a
 * Kazakhstan-like curriculum, and a weekly timetable that puts each hour on its own weekday.
 * Subject codes of primary pass/fail subjects are the ones `kazakhstanPassFailSubjects`
 * suggests, so that `gradingModeFor` grades them зачёт / незачёт in grades 1-4.
 */

export type CurriculumSubject = {
  readonly subjectId: string;
  /** Lessons a week, at most 5 (one a weekday). */
  readonly hoursPerWeek: number;
  /** Taught by the class's own primary teacher (grades 1-4) rather than a specialist. */
  readonly byPrimaryTeacher: boolean;
};

const subject = (subjectId: string, hoursPerWeek: number, byPrimaryTeacher = false): CurriculumSubject => ({
  subjectId,
  hoursPerWeek,
  byPrimaryTeacher,
});

/** Grades 1-4: 12 subjects, 25 hours; four 1-hour subjects graded per half-year. */
const PRIMARY: ReadonlyArray<CurriculumSubject> = [
  subject('mathematics', 4, true),
  subject('kazakhLanguage', 4, true),
  subject('literaryReading', 3, true),
  subject('russianLanguage', 2, true),
  subject('englishLanguage', 2),
  subject('naturalScience', 2, true),
  subject('physicalEducation', 3),
  subject('artsAndCrafts', 1, true),
  subject('music', 1),
  subject('selfKnowledge', 1, true),
  subject('digitalLiteracy', 1),
  subject('worldAroundUs', 1, true),
];

/** Grades 5-11: 12 subjects, 29 hours; two 1-hour subjects graded per half-year. */
const SECONDARY: ReadonlyArray<CurriculumSubject> = [
  subject('mathematics', 5),
  subject('kazakhLanguage', 3),
  subject('kazakhLiterature', 2),
  subject('russianLanguage', 2),
  subject('englishLanguage', 3),
  subject('historyOfKazakhstan', 2),
  subject('worldHistory', 1),
  subject('geography', 2),
  subject('biology', 2),
  subject('physics', 2),
  subject('informatics', 1),
  subject('physicalEducation', 3),
];

/** The subjects of a grade level, the first `limit` of them (tests ask for fewer). */
export const curriculumFor = (gradeLevel: number, limit: number): ReadonlyArray<CurriculumSubject> =>
  (gradeLevel <= 4 ? PRIMARY : SECONDARY).slice(0, limit);

export const MAX_SUBJECTS = 12;

/** One lesson slot of the weekly timetable: weekday 1 (Monday) .. 5 and the period of the day. */
export type Slot = { readonly subjectIndex: number; readonly weekday: number; readonly period: number };

/**
 * A weekly timetable: the hours of each subject on distinct weekdays (2 or 3 hours on every
 * other day, 4 or 5 on consecutive ones), starting from a day that `offset` shifts per class;
 * each day's lessons numbered 1, 2, ... in the order they were placed.
 */
export const timetableOf = (subjects: ReadonlyArray<CurriculumSubject>, offset: number): ReadonlyArray<Slot> => {
  const used = [0, 0, 0, 0, 0];
  const slots: Slot[] = [];
  const order = subjects.map((s, index) => ({ s, index })).sort((a, b) => b.s.hoursPerWeek - a.s.hoursPerWeek || a.index - b.index);
  for (const [rank, { s, index }] of order.entries()) {
    const step = s.hoursPerWeek <= 3 ? 2 : 1;
    const start = (offset + rank * 3) % 5;
    for (let h = 0; h < s.hoursPerWeek; h++) {
      const day = (start + h * step) % 5;
      used[day] = (used[day] ?? 0) + 1;
      slots.push({ subjectIndex: index, weekday: day + 1, period: used[day] ?? 1 });
    }
  }
  return slots;
};
