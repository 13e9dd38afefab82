import * as E from 'fp-ts/Either';
import { beforeAll, describe, expect, it } from 'vitest';
import { inMemoryEventStore, type LedgerEvent, type RecordedEvent } from '@grade-ledger/core';
import { buildSmallSchool } from '@grade-ledger/testing/school';
import { oneRosterFiles } from './oneroster';

/** RFC 4180, as a consumer reads it: quoted fields may hold commas, doubled quotes and line breaks; rows end in CRLF. */
const parseCsv = (text: string): string[][] => {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let i = 0;
  let quoted = false;
  while (i < text.length) {
    const c = text[i] as string;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') (field += '"'), (i += 2);
      else if (c === '"') (quoted = false), (i += 1);
      else (field += c), (i += 1);
    } else if (c === '"' && field === '') (quoted = true), (i += 1);
    else if (c === ',') row.push(field), (field = ''), (i += 1);
    else if (c === '\r' && text[i + 1] === '\n') row.push(field), rows.push(row), (row = []), (field = ''), (i += 2);
    else if (c === '\r' || c === '\n') throw new Error(`a bare line break at ${i}: rows end in CRLF`);
    else (field += c), (i += 1);
  }
  if (field !== '' || row.length > 0) throw new Error('the last row does not end in CRLF');
  return rows;
};

const rowsOf = (text: string): Array<Record<string, string>> => {
  const [header, ...rows] = parseCsv(text);
  return rows.map((r) => {
    expect(r.length).toBe((header as string[]).length);
    return Object.fromEntries((header as string[]).map((h, i) => [h, r[i] as string]));
  });
};

let events: RecordedEvent[];
beforeAll(async () => {
  const store = inMemoryEventStore();
  const built = await buildSmallSchool({ seed: 5, since: 2023, until: 2023, store });
  if (E.isLeft(built)) throw new Error(built.left.message);
  events = [...store.allEvents()];
});

const appended = (extra: ReadonlyArray<{ streamId: string; event: LedgerEvent }>): RecordedEvent[] => {
  const revisions = new Map<string, number>();
  for (const r of events) revisions.set(r.streamId, r.streamRevision);
  let position = events[events.length - 1]?.globalPosition ?? 0;
  return [
    ...events,
    ...extra.map(({ streamId, event }) => {
      const revision = (revisions.get(streamId) ?? -1) + 1;
      revisions.set(streamId, revision);
      position += 1;
      return { streamId, event, streamRevision: revision, globalPosition: position };
    }),
  ];
};

/** The events with `extra` inserted after the event at `index`, positions and stream revisions renumbered. */
const inserted = (index: number, extra: { streamId: string; event: LedgerEvent }): RecordedEvent[] => {
  const revisions = new Map<string, number>();
  return [...events.slice(0, index + 1), extra, ...events.slice(index + 1)].map((r, i) => {
    const revision = (revisions.get(r.streamId) ?? -1) + 1;
    revisions.set(r.streamId, revision);
    return { streamId: r.streamId, event: r.event, streamRevision: revision, globalPosition: i + 1 };
  });
};

/** The events with each `field` id of the listed event types renamed by `rename` (given the stream and the event data), everything else as it was. */
const renamed = (
  field: 'markId' | 'attendanceId' | 'summativeId',
  rename: (streamId: string, data: Readonly<Record<string, unknown>>) => string,
): RecordedEvent[] =>
  events.map((r) => {
    const data = r.event.data as Readonly<Record<string, unknown>>;
    return typeof data[field] === 'string' ? { ...r, event: { ...r.event, data: { ...data, [field]: rename(r.streamId, data) } } as LedgerEvent } : r;
  });

/** Each id numbered anew within its (stream, subject, pupil): the domain keeps mark and attendance ids apart only there. */
const numberedPerPupil = (): ((streamId: string, data: Readonly<Record<string, unknown>>, field: string) => string) => {
  const ids = new Map<string, string>();
  const counts = new Map<string, number>();
  return (streamId, data, field) => {
    const owner = `${streamId}|${String(data.subjectId)}|${String(data.pupilId)}`;
    const key = `${owner}|${String(data[field])}`;
    const known = ids.get(key);
    if (known !== undefined) return known;
    const n = (counts.get(owner) ?? 0) + 1;
    counts.set(owner, n);
    ids.set(key, `x${n}`);
    return `x${n}`;
  };
};

const sourcedIds = (files: Readonly<Record<string, string>>): string[] =>
  Object.entries(files).flatMap(([name, text]) => (name === 'manifest.csv' ? [] : rowsOf(text).map((r) => r.sourcedId as string)));
const repeated = (ids: ReadonlyArray<string>): string[] => {
  const seen = new Set<string>();
  return ids.filter((id) => (seen.has(id) ? true : (seen.add(id), false)));
};

describe('oneRosterFiles', () => {
  it('writes RFC 4180 files: a header row, CRLF rows, commas, quotes and line feeds quoted, no carriage return within a field (the binding forbids it)', async () => {
    const finalized = events.find((r) => r.event.type === 'YearGradeFinalized' || r.event.type === 'PeriodGradeFinalized');
    if (finalized === undefined) throw new Error('the school has no finalized grade');
    const reason = 'Appeal, "upheld"\r\nby the board';
    const withReason = events.map((r) => (r === finalized ? { ...r, event: { ...r.event, data: { ...r.event.data, overrideReason: reason } } as LedgerEvent } : r));
    const files = await oneRosterFiles(withReason);
    for (const [name, text] of Object.entries(files)) expect([name, parseCsv(text).length > 0]).toEqual([name, true]);
    const comments = rowsOf(files['results.csv'] as string).map((r) => r.comment);
    expect(comments).toContain(`override: ${reason.replace(/\r\n?/g, '\n')}`);
    for (const [name, text] of Object.entries(files)) expect([name, parseCsv(text).flat().filter((value) => value.includes('\r'))]).toEqual([name, []]);
    expect(parseCsv(files['manifest.csv'] as string)[0]).toEqual(['propertyName', 'value']);
  });

  it('keeps the lesson and date of an absence corrected to present and then to an absence again', async () => {
    const marked = events.find((r) => r.event.type === 'AttendanceMarked');
    if (marked === undefined || marked.event.type !== 'AttendanceMarked') throw new Error('the school has no absence');
    const { subjectId, attendanceId, pupilId, lessonId } = marked.event.data;
    const isIt = (r: Record<string, string>): boolean => r.studentSourcedId === pupilId && r.lessonSourcedId === lessonId && (r.classSourcedId ?? '').endsWith(`.${subjectId}`);
    const before = rowsOf((await oneRosterFiles(events))['attendance.csv'] as string).find(isIt);
    expect(before?.eventDate).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    const correction = (code: 'present' | 'excused', n: number): { streamId: string; event: LedgerEvent } => ({
      streamId: marked.streamId,
      event: {
        type: 'AttendanceCorrected',
        schemaVersion: 1,
        data: { subjectId, attendanceId, pupilId, supersedesEventId: `${marked.event.metadata.eventId}.c${n}`, code },
        metadata: { ...marked.event.metadata, eventId: `${marked.event.metadata.eventId}.c${n + 1}`, reason: 'a mistake' },
      } as LedgerEvent,
    });
    const after = rowsOf((await oneRosterFiles(appended([correction('present', 0), correction('excused', 1)])))['attendance.csv'] as string).find(isIt);
    expect(after).toEqual({ ...before, attendanceEventCategoryDescriptor: 'uri://ed-fi.org/AttendanceEventCategoryDescriptor#Excused Absence', attendanceEventReason: '' });
  });

  it('dates a СОР/СОЧ line item by its lesson as it stands, after the lesson was moved', async () => {
    // A summative that was scored (and not cancelled).
    const scored = new Set(events.flatMap((r) => (r.event.type === 'SummativeScoreRecorded' ? [`${r.streamId}|${r.event.data.summativeId}`] : [])));
    const index = events.findIndex((r) => r.event.type === 'SummativePlanned' && scored.has(`${r.streamId}|${r.event.data.summativeId}`));
    const planned = events[index];
    if (planned === undefined || planned.event.type !== 'SummativePlanned') throw new Error('the school has no summative');
    const { subjectId, lessonId, summativeId } = planned.event.data;
    const moved = '2024-05-20';
    const files = await oneRosterFiles(
      inserted(index, {
        streamId: planned.streamId,
        event: { type: 'LessonRescheduled', schemaVersion: 1, data: { subjectId, lessonId, date: moved, period: 1 }, metadata: { ...planned.event.metadata, eventId: `${planned.event.metadata.eventId}.moved` } } as LedgerEvent,
      }),
    );
    const item = rowsOf(files['lineItems.csv'] as string).find((r) => r.classSourcedId === `${planned.streamId.slice('class-'.length)}.${subjectId}` && (r.title ?? '').endsWith(` ${summativeId}`) && (r.categorySourcedId ?? '').endsWith('Summative'));
    expect([item?.assignDate, item?.dueDate]).toEqual([moved, moved]);
    const scores = rowsOf(files['results.csv'] as string).filter((r) => r.lineItemSourcedId === item?.sourcedId);
    expect(scores.length).toBeGreaterThan(0);
    for (const score of scores) expect(score.scoreDate).toBe(moved);
  });

  it("keeps each subject's lessons, summatives and marks apart, though their ids repeat across subjects", async () => {
    const files = await oneRosterFiles(events);
    const items = new Map(rowsOf(files['lineItems.csv'] as string).map((r) => [r.sourcedId, r]));
    const results = rowsOf(files['results.csv'] as string);
    expect(results.length).toBeGreaterThan(100);
    // A result belongs to a line item of its own class (class and subject).
    const strays = results.filter((r) => items.get(r.lineItemSourcedId)?.classSourcedId !== r.classSourcedId);
    expect(strays.map((r) => `${r.sourcedId} → ${r.lineItemSourcedId}`)).toEqual([]);
    // An absence is dated by its own subject's lesson.
    const dates = new Map<string, string>();
    for (const r of events) if (r.event.type === 'LessonPlanned' || r.event.type === 'LessonRescheduled') dates.set(`${r.streamId.slice('class-'.length)}.${r.event.data.subjectId}|${r.event.data.lessonId}`, r.event.data.date);
    const absences = rowsOf(files['attendance.csv'] as string);
    expect(absences.length).toBeGreaterThan(0);
    expect(absences.filter((r) => dates.get(`${r.classSourcedId}|${r.lessonSourcedId}`) !== r.eventDate).map((r) => r.sourcedId)).toEqual([]);
    // Every summative planned (and not cancelled) has its own line item.
    const cancelled = new Set(events.flatMap((r) => (r.event.type === 'SummativeCancelled' ? [`${r.streamId}|${r.event.data.subjectId}|${r.event.data.summativeId}`] : [])));
    const summatives = new Set([...items.values()].map((r) => `${r.classSourcedId}|${r.title}`));
    const planned = events.flatMap((r) =>
      r.event.type === 'SummativePlanned' && !cancelled.has(`${r.streamId}|${r.event.data.subjectId}|${r.event.data.summativeId}`)
        ? [`${r.streamId.slice('class-'.length)}.${r.event.data.subjectId}|${r.event.data.kind === 'section' ? 'СОР' : 'СОЧ'} ${r.event.data.summativeId}`]
        : [],
    );
    expect(planned.length).toBeGreaterThan(0);
    expect(planned.filter((id) => !summatives.has(id))).toEqual([]);
  });
  it('keeps every mark and absence when mark and attendance ids repeat across pupils and subjects (the domain keeps them apart per subject and pupil only)', async () => {
    const before = await oneRosterFiles(events);
    const markIds = numberedPerPupil();
    const attendanceIds = numberedPerPupil();
    const markRenamed = renamed('markId', (streamId, data) => markIds(streamId, data, 'markId'));
    const both = markRenamed.map((r, i) => {
      const data = r.event.data as Readonly<Record<string, unknown>>;
      return typeof data.attendanceId === 'string' ? { ...r, event: { ...r.event, data: { ...data, attendanceId: attendanceIds(events[i]?.streamId ?? '', data, 'attendanceId') } } as LedgerEvent } : r;
    });
    // The renaming does repeat ids within a class stream.
    const perStream = new Set(both.flatMap((r) => (r.event.type === 'FormativeMarkRecorded' ? [`${r.streamId}|${r.event.data.markId}`] : [])));
    expect(perStream.size).toBeLessThan(both.filter((r) => r.event.type === 'FormativeMarkRecorded').length);
    const after = await oneRosterFiles(both);
    const content = (text: string, columns: ReadonlyArray<string>): string[] => rowsOf(text).map((r) => columns.map((c) => r[c]).join('|')).sort();
    const resultColumns = ['lineItemSourcedId', 'studentSourcedId', 'scoreStatus', 'score', 'scoreDate', 'comment', 'textScore', 'classSourcedId'];
    expect(content(after['results.csv'] as string, resultColumns)).toEqual(content(before['results.csv'] as string, resultColumns));
    const absenceColumns = ['studentSourcedId', 'classSourcedId', 'eventDate', 'attendanceEventCategoryDescriptor', 'attendanceEventReason', 'lessonSourcedId'];
    expect(content(after['attendance.csv'] as string, absenceColumns)).toEqual(content(before['attendance.csv'] as string, absenceColumns));
    expect(repeated(sourcedIds(after))).toEqual([]);
  });

  it('gives every row of the export its own sourcedId, though summative ids look like the names of grades and lessons and ids hold dots', async () => {
    const before = await oneRosterFiles(events);
    // Each subject's summatives renamed, in order, to names our own line items use (and then to names with dots).
    const names = ['year', 't1', 'h1', 'fo.L001', 'lesson.L001', 'grade.year', 'L001', 'summative.x'];
    const given = new Map<string, string>();
    const counts = new Map<string, number>();
    const after = await oneRosterFiles(
      renamed('summativeId', (streamId, data) => {
        const key = `${streamId}|${String(data.subjectId)}|${String(data.summativeId)}`;
        const known = given.get(key);
        if (known !== undefined) return known;
        const owner = `${streamId}|${String(data.subjectId)}`;
        const n = counts.get(owner) ?? 0;
        counts.set(owner, n + 1);
        const name = names[n] ?? `s.${n}`;
        given.set(key, name);
        return name;
      }),
    );
    expect(given.size).toBeGreaterThan(names.length);
    expect(repeated(sourcedIds(before))).toEqual([]);
    expect(repeated(sourcedIds(after))).toEqual([]);
    // The same line items and results, each result on a line item of the same kind.
    const itemColumns = ['assignDate', 'dueDate', 'classSourcedId', 'categorySourcedId', 'academicSessionSourcedId', 'resultValueMin', 'resultValueMax'];
    const items = (files: Readonly<Record<string, string>>): string[] => rowsOf(files['lineItems.csv'] as string).map((r) => itemColumns.map((c) => r[c]).join('|')).sort();
    expect(items(after)).toEqual(items(before));
    const results = (files: Readonly<Record<string, string>>): string[] => {
      const category = new Map(rowsOf(files['lineItems.csv'] as string).map((r) => [r.sourcedId, r.categorySourcedId]));
      return rowsOf(files['results.csv'] as string).map((r) => [category.get(r.lineItemSourcedId), r.studentSourcedId, r.score, r.textScore, r.scoreDate, r.classSourcedId].join('|')).sort();
    };
    expect(results(after)).toEqual(results(before));
  });

  it('writes every sourcedId and reference in the letters, digits and . _ - that strict readers accept, whatever dots and colons the ids hold', async () => {
    // A school whose mark ids hold dots (as the generated ones do) and whose attendance ids hold colons.
    const files = await oneRosterFiles(renamed('attendanceId', (_streamId, data) => `a:${String(data.attendanceId)}`));
    const references = Object.entries(files).flatMap(([name, text]) =>
      name === 'manifest.csv' ? [] : rowsOf(text).flatMap((r) => Object.entries(r).flatMap(([column, value]) => (/SourcedIds?$|^sourcedId$/.test(column) && value !== '' ? value.split(',').map((v) => `${name} ${column} ${v}`) : []))),
    );
    expect(references.some((r) => r.startsWith('results.csv sourcedId'))).toBe(true);
    expect(references.filter((r) => !/^\S+ \S+ [A-Za-z0-9._-]+$/.test(r))).toEqual([]);
  });

  it('writes one subject code for each subject in courses.csv and classes.csv, as readers that check subjects against subjectCodes require', async () => {
    const files = await oneRosterFiles(events);
    const count = (list: string | undefined): number => (list === undefined || list === '' ? 0 : list.split(',').length);
    for (const name of ['courses.csv', 'classes.csv']) {
      const rows = rowsOf(files[name] as string);
      expect(rows.length).toBeGreaterThan(0);
      expect(rows.filter((r) => count(r.subjects) !== count(r.subjectCodes)).map((r) => `${name} ${r.sourcedId}`)).toEqual([]);
      expect(rows.filter((r) => count(r.subjects) !== 1).map((r) => `${name} ${r.sourcedId}`)).toEqual([]);
    }
  });


  it("leaves enrollments.csv's primary blank for pupils: it tells a class's primary teacher only", async () => {
    const rows = rowsOf((await oneRosterFiles(events))['enrollments.csv'] as string);
    const pupils = rows.filter((r) => r.role === 'student');
    expect(pupils.length).toBeGreaterThan(0);
    expect(pupils.filter((r) => r.primary !== '').map((r) => r.sourcedId)).toEqual([]);
    expect(rows.filter((r) => r.role === 'teacher').map((r) => r.primary)).toContain('true');
  });

  it('writes the 5-point scale for each class, naming its school, course and class, as the gradebook readers require', async () => {
    const files = await oneRosterFiles(events);
    const classes = new Map(rowsOf(files['classes.csv'] as string).map((r) => [r.sourcedId, r]));
    const scales = rowsOf(files['scoreScales.csv'] as string);
    expect(scales.map((r) => r.classSourcedId).sort()).toEqual([...classes.keys()].sort());
    for (const scale of scales) {
      expect([scale.orgSourcedId, scale.courseSourcedId]).toEqual([classes.get(scale.classSourcedId)?.schoolSourcedId, classes.get(scale.classSourcedId)?.courseSourcedId]);
      expect(scale.scoreScaleValue).toBe('{2:unsatisfactory},{3:satisfactory},{4:good},{5:excellent}');
    }
  });

  it('writes no OneRoster file without data rows (the binding forbids them): the manifest calls such a file absent', async () => {
    const manifestOf = (files: Readonly<Record<string, string>>): Map<string, string> => new Map(rowsOf(files['manifest.csv'] as string).map((r) => [r.propertyName as string, r.value as string]));
    const check = (files: Readonly<Record<string, string>>): void => {
      const manifest = manifestOf(files);
      const fileEntries = [...manifest].filter(([k]) => k.startsWith('file.'));
      expect(fileEntries.length).toBe(21);
      for (const [key, value] of fileEntries) {
        const name = `${key.slice('file.'.length)}.csv`;
        if (value === 'bulk') expect([name, rowsOf(files[name] ?? '').length > 0]).toEqual([name, true]);
        else expect([name, value, files[name]]).toEqual([name, 'absent', undefined]);
      }
      for (const name of Object.keys(files)) if (name !== 'manifest.csv' && name !== 'attendance.csv') expect([name, manifest.get(`file.${name.slice(0, -'.csv'.length)}`)]).toEqual([name, 'bulk']);
    };
    const full = await oneRosterFiles(events);
    check(full);
    expect(Object.keys(full)).toContain('results.csv');
    // Only the school year: no classes, courses, users or marks.
    const yearOnly = await oneRosterFiles(events.filter((r) => r.event.type === 'SchoolYearOpened'));
    check(yearOnly);
    expect(Object.keys(yearOnly).sort()).toEqual(['academicSessions.csv', 'attendance.csv', 'categories.csv', 'manifest.csv', 'orgs.csv']);
  });
});
