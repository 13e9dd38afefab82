import * as fc from 'fast-check';
import * as E from 'fp-ts/Either';
import { describe, expect, it } from 'vitest';
import { arbClassHistory, asLedgerEvents, buildSmallSchool } from '@grade-ledger/testing';
import { evolveClassJournal, initialClassJournalState } from '../classJournal/state';
import { journalRulesFromRuleSets } from '../classJournal/journalRulesFromRuleSets';
import { foldEvents } from '../decider/decider';
import type { RecordedEvent } from '../eventStore/eventStore';
import { inMemoryEventStore } from '../eventStore/inMemoryEventStore';
import type { Actor } from '../events/metadata';
import type { EventPayload } from '../events/registry';
import { kazakhstanRuleSets } from '../rules/kazakhstan';
import { calendar2020 } from '../projections/readAuditFixture';
import { endOfDay, isRecordedBefore } from './asOf';
import { replayEvents, replayStore } from './replay';
import { everyQuery, onStream } from './testSupport';

const shipped = kazakhstanRuleSets();
if (E.isLeft(shipped)) throw new Error(shipped.left.message);
const ruleSets = shipped.right;
const rules = journalRulesFromRuleSets(ruleSets);
const histories = arbClassHistory({ rules });
const recordedOf = (h: { readonly streamId: string; readonly events: Parameters<typeof onStream>[1] }) => onStream(h.streamId, h.events);

const school = async (since: number, until: number, seed = 7) => {
  const store = inMemoryEventStore();
  const built = await buildSmallSchool({ seed, since, until, store, ruleSets });
  if (E.isLeft(built)) throw new Error(built.left.message);
  return { store, events: store.allEvents(), summary: built.right.summary };
};

describe('replay: incremental application', () => {
  it('replaying a prefix and applying the rest gives the same query results as replaying everything', () => {
    fc.assert(
      fc.property(histories, fc.nat(), (history, cut) => {
        const events = recordedOf(history);
        const at = cut % (events.length + 1);
        const incremental = replayEvents(events.slice(0, at), { ruleSets });
        const whole = replayEvents(events, { ruleSets });
        // Query the prefix first: a query must not disturb what the fold does next.
        everyQuery(incremental);
        incremental.applyAll(events.slice(at));
        expect(everyQuery(incremental)).toEqual(everyQuery(whole));
        expect(incremental.eventsApplied()).toBe(events.length);
        expect(incremental.position()).toBe(events.length);
      }),
      { numRuns: 40 },
    );
  });

  it('over a multi-year school, any split and any page size of the store give the same results', async () => {
    const { store, events } = await school(2021, 2022);
    const whole = everyQuery(replayEvents(events, { ruleSets }));
    await fc.assert(
      fc.asyncProperty(fc.nat(events.length), fc.integer({ min: 1, max: 5000 }), async (at, pageSize) => {
        const p = replayEvents(events.slice(0, at), { ruleSets });
        p.applyAll(events.slice(at));
        expect(everyQuery(p)).toEqual(whole);
        expect(everyQuery(await replayStore(store, { ruleSets, pageSize }))).toEqual(whole);
      }),
      { numRuns: 4 },
    );
  });
});

describe('replay: determinism', () => {
  it('the same events give the same results, from the same store twice or from another store holding the same history', async () => {
    const { store, events } = await school(2022, 2022, 11);
    const first = everyQuery(await replayStore(store, { ruleSets }));
    expect(everyQuery(await replayStore(store, { ruleSets }))).toEqual(first);
    expect(everyQuery(replayEvents(events, { ruleSets }))).toEqual(first);
    // Another store, the same appends in the same order: the same global order, the same results.
    const copy = inMemoryEventStore();
    for (const recorded of events) {
      const appended = await copy.appendToStream(recorded.streamId, [recorded.event], { expectedRevision: recorded.streamRevision - 1 });
      expect(appended._tag).toBe('Right');
    }
    expect(everyQuery(await replayStore(copy, { ruleSets, pageSize: 333 }))).toEqual(first);
    // Streams interleaved otherwise: each stream's order is what counts; only the audit's ledger positions differ.
    const byStream = inMemoryEventStore();
    for (const streamId of [...new Set(events.map((e) => e.streamId))].reverse())
      await byStream.appendToStream(streamId, events.filter((e) => e.streamId === streamId).map((e) => e.event), { expectedRevision: 'noStream' });
    const { audit, ...readModels } = everyQuery(await replayStore(byStream, { ruleSets }));
    const { audit: firstAudit, ...firstReadModels } = first;
    expect(readModels).toEqual(firstReadModels);
    expect(audit.summary).toEqual(firstAudit.summary);
  });
});

describe('replay: as of an instant', () => {
  it('the projections as of T are the projections of exactly the events recorded before T', () => {
    fc.assert(
      fc.property(histories, fc.nat(), fc.nat(999), (history, pick, millis) => {
        const events = recordedOf(history);
        const at = events[pick % events.length]?.event.metadata.recordedAt ?? '2020-01-01T00:00:00Z';
        const asOf = `${at.slice(0, 19)}.${String(millis).padStart(3, '0')}Z`;
        const before = events.filter((e) => isRecordedBefore(e.event.metadata.recordedAt, asOf));
        const p = replayEvents(events, { ruleSets, asOf });
        expect(everyQuery(p)).toEqual(everyQuery(replayEvents(before, { ruleSets })));
        expect(p.eventsApplied()).toBe(before.length);
        // And the journal shows, mark by mark, what the class journal's own fold of those events holds.
        const state = foldEvents({ evolve: evolveClassJournal, initialState: initialClassJournalState }, before.map((e) => e.event));
        if (state.status !== 'open') return;
        for (const subject of state.subjects.values()) {
          const journal = p.classJournal(state.classId, subject.subjectId);
          for (const [pupilId, record] of subject.pupils) {
            const shown = journal?.pupils.find((x) => x.pupilId === pupilId)?.marks.map((m) => [m.markId, m.value]) ?? [];
            const inForce = [...record.marks].filter(([, m]) => !m.annulled).map(([markId, m]) => [markId, m.kind === 'formative' ? m.mark : m.points]);
            expect(shown).toEqual(inForce);
          }
        }
      }),
      { numRuns: 40 },
    );
  });

  it('a mark corrected on day D shows its old value as of D - 1 and its new value as of D + 1; the plan as it stood too', () => {
    const teacher: Actor = { id: 'teacher-01', role: 'subjectTeacher' };
    const calendar = calendar2020;
    const at = (payloads: ReadonlyArray<EventPayload>, recordedAt: string, prefix: string, actor: Actor = teacher, reason?: string) =>
      asLedgerEvents(payloads, { actor, occurredAt: recordedAt, recordedAt, idPrefix: prefix, ...(reason === undefined ? {} : { reason }) });
    const director: Actor = { id: 'director-01', role: 'director' };
    const events = onStream('class-2020-5A', [
      ...at(
        [
          { type: 'ClassOpened', data: { classId: '2020-5A', gradeLevel: 5, letter: 'A', classTeacherId: 'teacher-05', calendar } },
          { type: 'SubjectAssigned', data: { subjectId: 'mathematics', teacherId: 'teacher-01', hoursPerWeek: 4, gradingMode: 'scored' } },
          { type: 'PupilEnrolled', data: { pupilId: 'pupil-0001', on: '2020-09-01' } },
        ],
        '2020-09-01T07:00:00Z',
        'open',
        director,
      ),
      ...at([{ type: 'LessonPlanned', data: { subjectId: 'mathematics', lessonId: 'L1', date: '2021-03-12', period: 2, unit: 'Fractions', topic: 'Adding fractions', hours: 1 } }], '2021-03-01T10:00:00Z', 'plan'),
      ...at([{ type: 'FormativeMarkRecorded', data: { subjectId: 'mathematics', markId: 'm1', lessonId: 'L1', pupilId: 'pupil-0001', mark: 6 } }], '2021-03-12T09:00:00Z', 'mark'),
      ...at([{ type: 'LessonTopicRevised', data: { subjectId: 'mathematics', lessonId: 'L1', topic: 'Adding and subtracting fractions' } }], '2021-03-15T11:00:00Z', 'topic'),
      ...at(
        [{ type: 'MarkCorrected', data: { subjectId: 'mathematics', markId: 'm1', pupilId: 'pupil-0001', supersedesEventId: 'mark.0', value: { kind: 'formative', mark: 8 } } }],
        '2021-03-15T15:30:00Z',
        'fix',
        teacher,
        'Typing error',
      ),
    ]);
    const asOf = (day: string) => replayEvents(events, { ruleSets, asOf: endOfDay(day) }).classJournal('2020-5A', 'mathematics');
    const before = asOf('2021-03-14');
    const after = asOf('2021-03-16');
    expect(before?.pupils[0]?.marks.map((m) => m.value)).toEqual([6]);
    expect(after?.pupils[0]?.marks.map((m) => m.value)).toEqual([8]);
    expect(before?.lessons.map((l) => l.topic)).toEqual(['Adding fractions']);
    expect(after?.lessons.map((l) => l.topic)).toEqual(['Adding and subtracting fractions']);
    expect(asOf('2021-02-28')?.lessons).toEqual([]);
    expect(asOf('2020-08-31')).toBeNull();
    // The audit as of the day after shows the correction with who, when and why.
    const history = replayEvents(events, { ruleSets, asOf: endOfDay('2021-03-16') }).auditTrail.markHistory('m1', '2020-5A');
    expect(history.map((h) => [h.action, h.value, h.previous, h.actor.id, h.recordedAt, h.reason])).toEqual([
      ['recorded', { kind: 'formative', mark: 6 }, null, 'teacher-01', '2021-03-12T09:00:00Z', null],
      ['corrected', { kind: 'formative', mark: 8 }, { kind: 'formative', mark: 6 }, 'teacher-01', '2021-03-15T15:30:00Z', 'Typing error'],
    ]);
  });
});

describe('replay: since a school year', () => {
  it('replaying from year Y gives the same results for the years from Y on as the full replay', async () => {
    const { events } = await school(2019, 2021, 5);
    const full = replayEvents(events, { ruleSets });
    const since = replayEvents(events, { ruleSets, sinceSchoolYear: 2020 });
    const kept = (p: typeof full) => {
      const classes = p.classes().filter((c) => c.startYear >= 2020);
      const classIds = new Set(classes.map((c) => c.classId));
      const pupils = [...new Set(classes.flatMap((c) => c.pupilIds))].sort();
      return {
        classes,
        journals: classes.flatMap((c) => c.subjectIds.map((s) => p.classJournal(c.classId, s))),
        termResults: [2020, 2021].flatMap((startYear) => p.termResults({ startYear })),
        reportCards: pupils.map((pupil) => p.reportCard(pupil).filter((card) => card.startYear >= 2020)),
        attendance: [2020, 2021].flatMap((startYear) => p.attendanceSummary({ startYear })),
        analytics: [2020, 2021].flatMap((startYear) => (['class', 'subject', 'teacher'] as const).flatMap((groupBy) => p.classAnalytics({ startYear, groupBy }))),
        changes: p.auditTrail.changes().filter((c) => classIds.has(c.classId)),
        grades: p.auditTrail.gradeHistory().filter((g) => classIds.has(g.classId)),
      };
    };
    const expected = kept(full);
    expect(expected.classes.length).toBeGreaterThan(0);
    expect(expected.termResults.length).toBeGreaterThan(100);
    expect(kept(since)).toEqual(expected);
    expect(since.classes().every((c) => c.startYear >= 2020)).toBe(true);
    expect(since.eventsApplied()).toBeLessThan(full.eventsApplied());
  });
});
