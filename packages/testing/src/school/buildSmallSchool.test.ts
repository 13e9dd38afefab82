import * as fc from 'fast-check';
import * as E from 'fp-ts/Either';
import { describe, expect, it } from 'vitest';
import { inMemoryEventStore, isId, type RecordedEvent } from '@grade-ledger/core';
import { buildSmallSchool, type SmallSchool, type SmallSchoolOptions } from './buildSmallSchool';
import { kazakhstanLikeCalendar, schoolDaysOf, weekdayOf } from './calendar';
import { mulberry32 } from './prng';

const build = async (options: SmallSchoolOptions): Promise<{ school: SmallSchool; events: ReadonlyArray<RecordedEvent> }> => {
  const store = inMemoryEventStore();
  const built = await buildSmallSchool({ ...options, store });
  if (E.isLeft(built)) throw new Error(built.left.message);
  return { school: built.right, events: store.allEvents() };
};

describe('mulberry32', () => {
  it('gives the same sequence for the same seed, and floats in [0, 1)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), (seed) => {
        const a = mulberry32(seed);
        const b = mulberry32(seed);
        const xs = Array.from({ length: 20 }, () => a.next());
        expect(Array.from({ length: 20 }, () => b.next())).toEqual(xs);
        for (const x of xs) expect(x >= 0 && x < 1).toBe(true);
      }),
    );
  });
  it('int stays within its bounds', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: -50, max: 50 }), fc.nat(20), (seed, min, width) => {
        const random = mulberry32(seed);
        for (let i = 0; i < 20; i++) {
          const n = random.int(min, min + width);
          expect(n >= min && n <= min + width && Number.isInteger(n)).toBe(true);
        }
      }),
    );
  });
});

describe('kazakhstanLikeCalendar', () => {
  it('four ordered terms on weekdays with breaks between them, inside the year; half-years span them', () => {
    for (let year = 2015; year <= 2035; year++) {
      const calendar = kazakhstanLikeCalendar(year);
      expect(calendar.terms.map((t) => t.number)).toEqual([1, 2, 3, 4]);
      for (const term of calendar.terms) {
        expect(term.startsOn >= calendar.startsOn && term.endsOn <= calendar.endsOn).toBe(true);
        expect([1, 2, 3, 4, 5]).toContain(weekdayOf(term.startsOn));
        expect([1, 2, 3, 4, 5]).toContain(weekdayOf(term.endsOn));
        expect(schoolDaysOf(term).length).toBeGreaterThan(30);
      }
      for (const [i, term] of calendar.terms.entries()) {
        const next = calendar.terms[i + 1];
        if (next !== undefined) expect(next.startsOn > term.endsOn).toBe(true);
      }
      expect(calendar.halfYears).toEqual([
        { number: 1, startsOn: calendar.terms[0]?.startsOn, endsOn: calendar.terms[1]?.endsOn },
        { number: 2, startsOn: calendar.terms[2]?.startsOn, endsOn: calendar.terms[3]?.endsOn },
      ]);
    }
  });
});

describe('buildSmallSchool', () => {
  it('is deterministic: the same seed gives the same events, another seed other marks', async () => {
    const a = await build({ seed: 7, since: 2023, until: 2023 });
    const b = await build({ seed: 7, since: 2023, until: 2023 });
    const c = await build({ seed: 8, since: 2023, until: 2023 });
    expect(JSON.stringify(b.events)).toBe(JSON.stringify(a.events));
    expect(b.school.summary).toEqual(a.school.summary);
    expect(JSON.stringify(c.events)).not.toBe(JSON.stringify(a.events));
  });

  it('records every event through a command, with the generated clock and opaque ids only', async () => {
    const { events, school } = await build({ seed: 11, since: 2021, until: 2022 });
    expect(events.length).toBe(school.summary.events);
    for (const { event } of events) {
      // recordedAt = occurredAt + 3 minutes: derived from the command, never the real clock.
      expect(Date.parse(event.metadata.recordedAt) - Date.parse(event.metadata.occurredAt)).toBe(3 * 60_000);
      expect(event.metadata.eventId).toBe(`${event.metadata.causationId}.0`);
      expect(isId(event.metadata.actor.id)).toBe(true);
      if ('pupilId' in event.data) expect(event.data.pupilId).toMatch(/^pupil-\d{4}$/);
    }
    expect(school.summary.staffIds.every((id) => /^(teacher|deputy|director)-\d{2}$/.test(id))).toBe(true);
  });

  it('tells the demo story over 2018-2025: rule sets by year, overrides with reasons, a failed year and its re-sit', async () => {
    const { events, school } = await build({});
    const { summary } = school;
    expect(summary.ruleSetsByYear).toEqual({
      '2018-2019': 'kz-older-g1-marks',
      '2019-2020': 'kz-older-g1-marks',
      '2020-2021': 'kz-older',
      '2021-2022': 'kz-older',
      '2022-2023': 'kz-current',
      '2023-2024': 'kz-current',
      '2024-2025': 'kz-current',
      '2025-2026': 'kz-current',
    });
    // The cohort goes from grade 2 to grade 9, one class a year.
    expect(summary.classes.filter((c) => c.pupilIds.includes(summary.focusPupilId)).map((c) => c.gradeLevel)).toEqual([2, 3, 4, 5, 6, 7, 8, 9]);
    const overrides = events.filter(
      ({ event }) =>
        (event.type === 'PeriodGradeFinalized' || event.type === 'YearGradeFinalized') &&
        event.data.recommendation !== null &&
        String(event.data.recommendation.grade) !== String(event.data.grade),
    );
    expect(overrides.length).toBe(2);
    for (const { event } of overrides) {
      expect(event.metadata.actor.role).toBe('deputyDirector');
      expect('overrideReason' in event.data && event.data.overrideReason).toBeTruthy();
    }
    const resits = events.filter(({ event }) => event.type === 'ResitResultRecorded');
    expect(resits.map(({ event }) => event.type === 'ResitResultRecorded' && [event.data.pupilId, event.data.finalGrade])).toContainEqual([summary.focusPupilId, 3]);
    // Corrections, annulments and moderations: about 1% of the marks, each with a reason.
    const marks = (summary.eventsByType['FormativeMarkRecorded'] ?? 0) + (summary.eventsByType['SummativeScoreRecorded'] ?? 0);
    const changes = events.filter(({ event }) => ['MarkCorrected', 'MarkAnnulled', 'SummativeScoreModerated'].includes(event.type));
    expect(changes.length).toBeGreaterThan(marks * 0.005);
    expect(changes.length).toBeLessThan(marks * 0.03);
    expect(changes.every(({ event }) => (event.metadata.reason ?? '').length > 0)).toBe(true);
    // Absences: about 6% of pupil-lessons.
    const pupilsOf = new Map(summary.classes.map((c) => [`class-${c.classId}`, c.pupilIds.length]));
    const pupilLessons = events.filter(({ event }) => event.type === 'LessonPlanned').reduce((n, { streamId }) => n + (pupilsOf.get(streamId) ?? 0), 0);
    const absences = summary.eventsByType['AttendanceMarked'] ?? 0;
    expect(absences / pupilLessons).toBeGreaterThan(0.03);
    expect(absences / pupilLessons).toBeLessThan(0.1);
  });

  it('refuses bad options with the field named, and records nothing', async () => {
    for (const [options, field] of [
      [{ since: 1990 }, 'since'],
      [{ since: 2020, until: 2019 }, 'until'],
      [{ since: 2018, until: 2030 }, 'until'],
      [{ seed: -1 }, 'seed'],
      [{ seed: 1.5 }, 'seed'],
    ] as const) {
      const store = inMemoryEventStore();
      const built = await buildSmallSchool({ ...options, store });
      expect(E.isLeft(built) && built.left.kind === 'InvalidOption' && built.left.field).toBe(field);
      expect(store.allEvents()).toEqual([]);
    }
  });
});
