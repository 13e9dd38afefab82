import type { RecordedEvent } from '../eventStore/eventStore';

/*
 * Histories of two interleaved classes of two subjects, thousands of events, mostly marks and
 * absences, with changes to entries recorded long before (the arena and sealed-block tests' fixture,
 * not exported from the package).
 */

export const SUBJECTS = ['mathematics', 'physics'] as const;
/** Two classes whose events interleave, with the same subject, pupil, mark and attendance ids (each class's caches and templates apart). */
export const CLASSES = ['7A', '7B'] as const;

/** A tiny deterministic generator (the property draws its seed). */
export const prng = (seed: number) => {
  let s = seed >>> 0 || 1;
  return (n: number): number => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s % n;
  };
};

/** Instants of every form: year, leap-day and century edges, before the epoch, with and without milliseconds, and forms kept as text. */
const EDGE_INSTANTS = [
  '1000-01-01T00:00:00Z',
  '1600-02-29T12:00:00.000Z',
  '1900-02-28T23:59:59Z',
  '1969-12-31T23:59:59.999Z',
  '1970-01-01T00:00:00Z',
  '2000-02-29T00:00:00.001Z',
  '2100-03-01T00:00:00Z',
  '2023-12-31T23:59:59Z',
  '2024-02-29T08:30:00Z',
  '9999-12-31T23:59:59.999Z',
  '2021-02-30T10:00:00Z',
  '2021-03-01T24:00:00Z',
  '2021-03-01T10:00:00.5Z',
  '2021-03-01T10:00:00.123456789Z',
];

type Payload = { readonly type: string; readonly data: Record<string, unknown> };

/** What one class has recorded so far (for changes to name). */
type ClassSoFar = {
  readonly marks: Array<{ subjectId: string; pupilId: string; markId: string; kind: 'formative' | 'summative' }>;
  readonly absences: Array<{ subjectId: string; pupilId: string; attendanceId: string }>;
  readonly lessons: Array<{ subjectId: string; lessonId: string }>;
  lessonNo: number;
  markNo: number;
  absenceNo: number;
};

/** A history of two classes, `size` events after their openings, mostly marks and absences, with changes to entries recorded long before. */
export const history = (seed: number, size: number, firstPosition: number): RecordedEvent[] => {
  const rnd = prng(seed);
  const payloads: Array<Payload & { readonly classId: string }> = CLASSES.flatMap((classId, c) => [
    { classId, type: 'ClassOpened', data: { classId, gradeLevel: 7, letter: classId.slice(1), classTeacherId: 'teacher-05', calendar: { schoolYearId: '2023-2024', startsOn: '2023-09-01', endsOn: '2024-05-31', terms: [], halfYears: [], ruleSetId: 'kz-current' } } },
    ...SUBJECTS.map((subjectId, k) => ({ classId, type: 'SubjectAssigned', data: { subjectId, teacherId: `teacher-0${k + 1 + c * 2}`, hoursPerWeek: 3, gradingMode: 'scored' } })),
  ]);
  const soFar = new Map<string, ClassSoFar>(CLASSES.map((classId) => [classId, { marks: [], absences: [], lessons: [], lessonNo: 0, markNo: 0, absenceNo: 0 } as ClassSoFar] as const));
  const pupil = () => `pupil-${rnd(30)}`;
  const lessonOf = (cls: ClassSoFar, subjectId: string) => cls.lessons.filter((l) => l.subjectId === subjectId).at(-1 - rnd(3))?.lessonId ?? `none-${subjectId}`;
  const markIdOf = (cls: ClassSoFar) => (rnd(50) === 0 ? `3f2a${cls.markNo}-uuid-${rnd(1000)}x` : `m${cls.markNo}`);
  while (payloads.length < size) {
    // Runs of one class's events, as lessons come, then the other's.
    const classId: string = CLASSES[Math.floor(payloads.length / 40) % 2 === 0 ? rnd(8) === 0 ? 1 : 0 : rnd(8) === 0 ? 0 : 1] as string;
    const cls = soFar.get(classId) as ClassSoFar;
    const { marks, absences, lessons } = cls;
    const push = (payload: Payload) => payloads.push({ classId, ...payload });
    const subjectId = SUBJECTS[rnd(2)] as string;
    const roll = rnd(100);
    if (roll < 8) {
      const lessonId = `${subjectId}-l${cls.lessonNo++}`;
      lessons.push({ subjectId, lessonId });
      push({ type: 'LessonPlanned', data: { subjectId, lessonId, date: `2023-10-${10 + rnd(20)}`, period: 1 + rnd(8), unit: `unit ${rnd(4)}`, topic: `topic ${rnd(40)}`, hours: 1 } });
    } else if (roll < 58) {
      const id = markIdOf(cls);
      cls.markNo++;
      const summative = rnd(5) === 0;
      const p = pupil();
      marks.push({ subjectId, pupilId: p, markId: id, kind: summative ? 'summative' : 'formative' });
      push(
        summative
          ? { type: 'SummativeScoreRecorded', data: { subjectId, pupilId: p, markId: id, summativeId: `s${rnd(6)}`, points: rnd(30) } }
          : { type: 'FormativeMarkRecorded', data: { subjectId, pupilId: p, markId: id, lessonId: lessonOf(cls, subjectId), mark: 1 + rnd(10) } },
      );
    } else if (roll < 80) {
      const id = `a${cls.absenceNo++}`;
      const p = pupil();
      absences.push({ subjectId, pupilId: p, attendanceId: id });
      push({ type: 'AttendanceMarked', data: { subjectId, pupilId: p, attendanceId: id, lessonId: lessonOf(cls, subjectId), code: ['absentExcused', 'absentUnexcused', 'late', 'present'][rnd(4)] } });
    } else if (roll < 88) {
      // A change to a mark of any age (the oldest are arenas behind), now and then to one never recorded.
      const mark = marks[rnd(marks.length + 1)];
      const target = mark ?? { subjectId, pupilId: pupil(), markId: 'm-unknown', kind: 'formative' as const };
      const which = rnd(3);
      if (which === 0) push({ type: 'MarkAnnulled', data: { subjectId: target.subjectId, pupilId: target.pupilId, markId: target.markId } });
      else if (which === 1 || target.kind === 'formative')
        push({ type: 'MarkCorrected', data: { subjectId: target.subjectId, pupilId: target.pupilId, markId: target.markId, value: target.kind === 'formative' ? { kind: 'formative', mark: 1 + rnd(10) } : { kind: 'summative', points: rnd(30) } } });
      else push({ type: 'SummativeScoreModerated', data: { subjectId: target.subjectId, pupilId: target.pupilId, markId: target.markId, points: rnd(30) } });
    } else if (roll < 91) {
      const absence = absences[rnd(absences.length + 1)];
      if (absence !== undefined) push({ type: 'AttendanceCorrected', data: { ...absence, code: ['absentExcused', 'present'][rnd(2)], supersedesEventId: 'e.0' } });
    } else if (roll < 94) {
      const lesson = lessons[rnd(lessons.length + 1)];
      if (lesson !== undefined) {
        const which = rnd(3);
        push(
          which === 0
            ? { type: 'LessonRescheduled', data: { ...lesson, date: `2023-11-${10 + rnd(20)}`, period: 1 + rnd(8) } }
            : which === 1
              ? { type: 'LessonCancelled', data: { ...lesson } }
              : { type: 'LessonTopicRevised', data: { ...lesson, topic: `revised ${rnd(9)}` } },
        );
      }
    } else if (roll < 98) {
      const recommendation = rnd(3) === 0 ? null : { grade: 1 + rnd(5), percentage: `${rnd(1000)}/${1 + rnd(7)}` };
      push({ type: 'PeriodGradeFinalized', data: { subjectId, pupilId: pupil(), period: { kind: rnd(2) === 0 ? 'term' : 'halfYear', number: 1 + rnd(4) }, grade: rnd(4) === 0 ? 'passed' : 1 + rnd(5), recommendation, ruleSetId: 'kz-current' } });
    } else push({ type: 'YearGradeFinalized', data: { subjectId, pupilId: pupil(), grade: 1 + rnd(5), recommendation: null, ruleSetId: 'kz-current' } });
  }
  let minute = 0;
  return payloads.map((payload, i) => {
    // Mostly a new instant per event (a new moment), sometimes the last one again (a shared moment), sometimes an edge.
    const shared = rnd(4) === 0;
    if (!shared) minute++;
    const edge = rnd(40) === 0 ? EDGE_INSTANTS[rnd(EDGE_INSTANTS.length)] : undefined;
    const base = Date.UTC(2023, 8, 1) + minute * 61_001;
    const occurredAt = edge ?? (rnd(2) === 0 ? new Date(base).toISOString() : `${new Date(base).toISOString().slice(0, 19)}Z`);
    const recordedAt = rnd(10) === 0 ? `${new Date(base + 3_600_000).toISOString().slice(0, 19)}Z` : occurredAt;
    const eventId = rnd(60) === 0 ? `evt-${seed}-${i}-loose` : `${payload.classId}.e.${i}`;
    const actor = { id: `teacher-0${1 + rnd(3)}`, role: 'subjectTeacher' };
    const metadata = { eventId, occurredAt, recordedAt, actor, correlationId: eventId, causationId: eventId, ...(rnd(30) === 0 ? { reason: `reason ${rnd(3)}` } : {}) };
    return { event: { type: payload.type, schemaVersion: 1, data: payload.data, metadata }, streamId: `class-${payload.classId}`, streamRevision: i, globalPosition: firstPosition + i } as unknown as RecordedEvent;
  });
};
