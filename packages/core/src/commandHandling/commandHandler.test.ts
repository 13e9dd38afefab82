import * as fc from 'fast-check';
import * as E from 'fp-ts/Either';
import { describe, expect, it } from 'vitest';
import type { ClassJournalCommand, ClassJournalCommandData, ClassJournalCommandType } from '../classJournal/commands';
import { classJournalDecider, classStreamId } from '../classJournal/decider';
import { journalRulesFromRuleSets } from '../classJournal/journalRulesFromRuleSets';
import { foldEvents, type Decider } from '../decider/decider';
import type { SchoolYearOpenedData } from '../events/calendar';
import type { AttendanceCode } from '../events/common';
import type { Actor } from '../events/metadata';
import type { EventPayload, LedgerEvent } from '../events/registry';
import type { EventStore } from '../eventStore/eventStore';
import { inMemoryEventStore } from '../eventStore/inMemoryEventStore';
import { kazakhstanRuleSetIds, kazakhstanRuleSets } from '../rules/kazakhstan';
import { classCalendarOf, schoolYearDecider, schoolYearStreamId, type OpenSchoolYear } from '../schoolYear/schoolYear';
import { recordedEventsOf, type Command, type CommandMetadata } from './command';
import { commandHandler } from './commandHandler';

// --- fixtures ---------------------------------------------------------------------------

const right = <L, A>(either: E.Either<L, A>): A => {
  if (E.isLeft(either)) throw new Error(`expected success, got ${JSON.stringify(either.left)}`);
  return either.right;
};
const left = <L, A>(either: E.Either<L, A>): L => {
  if (E.isRight(either)) throw new Error(`expected a failure, got ${JSON.stringify(either.right)}`);
  return either.left;
};

const ruleSets = right(kazakhstanRuleSets());
const journal = classJournalDecider(journalRulesFromRuleSets(ruleSets));
const schoolYears = schoolYearDecider(ruleSets.map((ruleSet) => ruleSet.id));

const actors = {
  director: { id: 'staff-director', role: 'director' },
  math: { id: 'staff-math', role: 'subjectTeacher' },
  parent: { id: 'parent-1', role: 'parent' },
} as const satisfies Record<string, Actor>;

const year: SchoolYearOpenedData = {
  schoolYearId: 'sy-2023-2024',
  startYear: 2023,
  startsOn: '2023-09-01',
  endsOn: '2024-05-31',
  terms: [
    { number: 1, startsOn: '2023-09-01', endsOn: '2023-10-27' },
    { number: 2, startsOn: '2023-11-06', endsOn: '2023-12-29' },
    { number: 3, startsOn: '2024-01-08', endsOn: '2024-03-15' },
    { number: 4, startsOn: '2024-04-01', endsOn: '2024-05-24' },
  ],
  halfYears: [
    { number: 1, startsOn: '2023-09-01', endsOn: '2023-12-29' },
    { number: 2, startsOn: '2024-01-08', endsOn: '2024-05-24' },
  ],
  ruleSetId: kazakhstanRuleSetIds.current,
};

const CLASS_ID = '5A-2023';
const STREAM = classStreamId(CLASS_ID);
const OCCURRED_AT = '2023-10-02T08:30:00Z';

/** The clock port: a new second on each call, from 09:00:00 (up to an hour of calls). */
const steppingClock = () => {
  let tick = 0;
  const clock = (): string => {
    const minutes = String(Math.floor(tick / 60)).padStart(2, '0');
    const seconds = String(tick % 60).padStart(2, '0');
    tick++;
    return `2023-10-02T09:${minutes}:${seconds}Z`;
  };
  return { clock, calls: () => tick };
};

const command = <T extends ClassJournalCommandType>(
  type: T,
  data: ClassJournalCommandData<T>,
  metadata: Partial<CommandMetadata> & { readonly commandId: string; readonly actor: Actor },
): ClassJournalCommand => ({ type, data, metadata: { occurredAt: OCCURRED_AT, ...metadata } }) as ClassJournalCommand;

const openClass = command(
  'OpenClass',
  { classId: CLASS_ID, gradeLevel: 5, letter: 'А', classTeacherId: 'staff-class', calendar: classCalendarOf(year) },
  { commandId: 'open-class', actor: actors.director },
);
const assignMath = command(
  'AssignSubject',
  { subjectId: 'math', teacherId: actors.math.id, hoursPerWeek: 4, gradingMode: 'scored' },
  { commandId: 'assign-math', actor: actors.director },
);
const enrol = (pupilId: string, on = '2023-09-01', commandId = `enrol-${pupilId}-${on}`) =>
  command('EnrolPupil', { pupilId, on }, { commandId, actor: actors.director });
const planLesson = (lessonId: string, date = '2023-10-02', commandId = `plan-${lessonId}`) =>
  command(
    'PlanLesson',
    { subjectId: 'math', lessonId, date, period: 2, unit: 'Натуральные числа', topic: 'Сложение и вычитание', hours: 1 },
    { commandId, actor: actors.math },
  );
const recordMark = (commandId: string, markId: string, mark: number, pupilId = 'pupil-1', lessonId = 'lesson-1') =>
  command('RecordFormativeMark', { subjectId: 'math', markId, lessonId, pupilId, mark }, { commandId, actor: actors.math });
const correctMark = (commandId: string, markId: string, mark: number, pupilId = 'pupil-1') =>
  command(
    'CorrectMark',
    { subjectId: 'math', markId, pupilId, value: { kind: 'formative', mark } },
    { commandId, actor: actors.math, reason: 'ошибка при вводе оценки' },
  );

const setupCommands: ReadonlyArray<ClassJournalCommand> = [openClass, assignMath, enrol('pupil-1'), planLesson('lesson-1')];

/** A store with the 5"А" class opened, mathematics assigned, one pupil and one lesson. */
const classWithLesson = async () => {
  const store = inMemoryEventStore();
  const setup = commandHandler(journal, { store, clock: steppingClock().clock });
  for (const c of setupCommands) right(await setup(STREAM, c));
  return store;
};

/** A store whose first (or every) append first lets a competing writer append to the stream. */
const withCompetingWriter = (store: EventStore, compete: (call: number) => Promise<void>, every = false) => {
  let calls = 0;
  const wrapped: EventStore = {
    ...store,
    appendToStream: async (streamId, events, options) => {
      const call = calls++;
      if (every || call === 0) await compete(call);
      return store.appendToStream(streamId, events, options);
    },
  };
  return { store: wrapped, appendCalls: () => calls };
};

const streamEvents = async (store: EventStore, streamId: string): Promise<ReadonlyArray<LedgerEvent>> =>
  right(await store.readStream(streamId)).events.map((recorded) => recorded.event);

/** A tiny decider of its own: plans `count` lessons at once, so one command records several events. */
type PlanWeek = Command<'PlanWeek', { readonly count: number }>;
const weekPlanner: Decider<number, PlanWeek, EventPayload, LedgerEvent, { readonly kind: 'EmptyWeek'; readonly message: string }> = {
  decide: (c, planned) =>
    c.data.count === 0
      ? E.left({ kind: 'EmptyWeek', message: 'a week plan needs at least one lesson' })
      : E.right(
          Array.from({ length: c.data.count }, (_, index): EventPayload => ({
            type: 'LessonPlanned',
            data: {
              subjectId: 'math',
              lessonId: `lesson-${planned + index + 1}`,
              date: '2023-10-02',
              period: 1 + index,
              unit: 'Дроби',
              topic: `Урок ${planned + index + 1}`,
              hours: 1,
            },
          })),
        ),
  evolve: (planned, event) => (event.type === 'LessonPlanned' ? planned + 1 : planned),
  initialState: () => 0,
};

// --- tests --------------------------------------------------------------------------------

describe('commandHandler', () => {
  describe('recording', () => {
    it('appends the decided events with metadata from the command and the clock port', async () => {
      const store = inMemoryEventStore();
      const { clock } = steppingClock();
      const handle = commandHandler(schoolYears, { store, clock });
      const open: OpenSchoolYear = {
        type: 'OpenSchoolYear',
        data: year,
        metadata: { commandId: 'open-year-2023', actor: actors.director, occurredAt: '2023-08-25T10:00:00Z', reason: 'приказ № 12' },
      };

      const handled = right(await handle(schoolYearStreamId(year.schoolYearId), open));
      const stored = await streamEvents(store, schoolYearStreamId(year.schoolYearId));

      expect(stored).toEqual([
        {
          type: 'SchoolYearOpened',
          schemaVersion: 1,
          data: year,
          metadata: {
            eventId: 'open-year-2023.0',
            occurredAt: '2023-08-25T10:00:00Z',
            recordedAt: '2023-10-02T09:00:00Z',
            actor: actors.director,
            correlationId: 'open-year-2023',
            causationId: 'open-year-2023',
            reason: 'приказ № 12',
          },
        },
      ]);
      expect(handled).toEqual({ state: { status: 'open', year }, events: stored, nextExpectedRevision: 0, alreadyHandled: false });
    });

    it('numbers the events of one command <commandId>.<n>, keeps a given correlation id, and stamps one recordedAt', async () => {
      const store = inMemoryEventStore();
      const stepping = steppingClock();
      const handle = commandHandler(weekPlanner, { store, clock: stepping.clock });
      const week = (commandId: string, count: number, correlationId?: string): PlanWeek => ({
        type: 'PlanWeek',
        data: { count },
        metadata: { commandId, actor: actors.math, occurredAt: OCCURRED_AT, ...(correlationId === undefined ? {} : { correlationId }) },
      });

      right(await handle('plan-week', week('week-40', 3, 'ktp-import-7')));
      const second = right(await handle('plan-week', week('week-41', 2)));
      const stored = await streamEvents(store, 'plan-week');

      expect(stored.map((e) => e.metadata.eventId)).toEqual(['week-40.0', 'week-40.1', 'week-40.2', 'week-41.0', 'week-41.1']);
      expect(stored.map((e) => e.metadata.causationId)).toEqual(['week-40', 'week-40', 'week-40', 'week-41', 'week-41']);
      expect(stored.map((e) => e.metadata.correlationId)).toEqual(['ktp-import-7', 'ktp-import-7', 'ktp-import-7', 'week-41', 'week-41']);
      expect(stored.map((e) => e.metadata.recordedAt)).toEqual([
        '2023-10-02T09:00:00Z',
        '2023-10-02T09:00:00Z',
        '2023-10-02T09:00:00Z',
        '2023-10-02T09:00:01Z',
        '2023-10-02T09:00:01Z',
      ]);
      expect(stored.every((e) => e.metadata.actor.id === actors.math.id && e.metadata.occurredAt === OCCURRED_AT)).toBe(true);
      expect(stored.every((e) => !('reason' in e.metadata))).toBe(true);
      expect(second).toMatchObject({ state: 5, nextExpectedRevision: 4, alreadyHandled: false });
      expect(second.events).toEqual(stored.slice(3));
    });

    it('appends nothing for a rejected command and stays usable', async () => {
      const store = await classWithLesson();
      const handle = commandHandler(journal, { store, clock: steppingClock().clock });
      const before = [...store.allEvents()];

      const notEnrolled = left(await handle(STREAM, recordMark('mark-stranger', 'm-1', 8, 'pupil-99')));
      expect(notEnrolled).toMatchObject({ kind: 'PupilNotEnrolled', pupilId: 'pupil-99' });
      const parent = left(
        await handle(STREAM, command('RecordFormativeMark', { subjectId: 'math', markId: 'm-2', lessonId: 'lesson-1', pupilId: 'pupil-1', mark: 5 }, { commandId: 'by-parent', actor: actors.parent })),
      );
      expect(parent).toMatchObject({ kind: 'WriteRefused', role: 'parent' });
      const eleven = left(await handle(STREAM, recordMark('mark-eleven', 'm-3', 11)));
      expect(eleven).toMatchObject({ kind: 'InvalidCommand', issues: [{ path: 'data.mark', value: 11 }] });
      const emptyWeek = left(
        await commandHandler(weekPlanner, { store, clock: steppingClock().clock })('plan-week', {
          type: 'PlanWeek',
          data: { count: 0 },
          metadata: { commandId: 'week-empty', actor: actors.math, occurredAt: OCCURRED_AT },
        }),
      );
      expect(emptyWeek).toMatchObject({ kind: 'EmptyWeek' });

      expect(store.allEvents()).toEqual(before);
      const accepted = right(await handle(STREAM, recordMark('mark-ok', 'm-4', 9)));
      expect(accepted.nextExpectedRevision).toBe(before.length);
      expect(store.allEvents()).toHaveLength(before.length + 1);
    });
  });

  describe('re-sent commands', () => {
    it('records nothing for a command id already in the stream and reports alreadyHandled', async () => {
      const store = await classWithLesson();
      const handle = commandHandler(journal, { store, clock: steppingClock().clock });
      const mark = recordMark('mark-once', 'm-1', 8);
      const first = right(await handle(STREAM, mark));
      const recorded = [...store.allEvents()];

      const again = right(await handle(STREAM, mark));
      expect(again).toEqual({ state: first.state, events: [], nextExpectedRevision: first.nextExpectedRevision, alreadyHandled: true });

      // A handler with an empty cache (another process, after a lost reply) finds it in the stream.
      const elsewhere = commandHandler(journal, { store, clock: steppingClock().clock });
      const later = right(await elsewhere(STREAM, recordMark('mark-later', 'm-2', 6)));
      const resent = right(await elsewhere(STREAM, mark));
      expect(resent).toMatchObject({ events: [], alreadyHandled: true, nextExpectedRevision: later.nextExpectedRevision });
      // Same command id with other data is still the same command: nothing new is recorded.
      const changed = right(await handle(STREAM, recordMark('mark-once', 'm-9', 3)));
      expect(changed.alreadyHandled).toBe(true);

      expect(store.allEvents()).toHaveLength(recorded.length + 1);
      expect(store.allEvents().filter((r) => r.event.metadata.causationId === 'mark-once')).toHaveLength(1);
    });

    it('records a command sent twice at once through two handlers only once', async () => {
      const store = await classWithLesson();
      const before = store.allEvents().length;
      const [a, b] = [0, 1].map(() => commandHandler(journal, { store, clock: steppingClock().clock }));
      const mark = recordMark('mark-twice', 'm-1', 7);

      const results = (await Promise.all([a!(STREAM, mark), b!(STREAM, mark)])).map(right);
      expect(results.map((r) => r.alreadyHandled).sort()).toEqual([false, true]);
      expect(store.allEvents()).toHaveLength(before + 1);
      expect(results[0]?.state).toEqual(results[1]?.state);
    });

    it('reports a twin already recorded by a concurrent re-send as handled, not as exhausted retries (maxRetries 0)', async () => {
      const store = await classWithLesson();
      const before = store.allEvents().length;
      const [a, b] = [0, 1].map(() => commandHandler(journal, { store, clock: steppingClock().clock, maxRetries: 0 }));
      const mark = recordMark('mark-twins', 'm-1', 7);

      const results = (await Promise.all([a!(STREAM, mark), b!(STREAM, mark)])).map(right);
      expect(results.map((r) => r.alreadyHandled).sort()).toEqual([false, true]);
      expect(results.map((r) => r.nextExpectedRevision)).toEqual([before, before]);
      expect(results[0]?.state).toEqual(foldEvents(journal, await streamEvents(store, STREAM)));
      expect(results[1]?.state).toEqual(results[0]?.state);
      expect(store.allEvents()).toHaveLength(before + 1);
    });
  });

  describe('concurrency', () => {
    it('reports a command recorded meanwhile by a twin that decided fewer events (a newer state) as handled, not as an event id conflict', async () => {
      // Plans lessons up to a number: how many events the command records depends on the state.
      type PlanUpTo = Command<'PlanUpTo', { readonly upTo: number }>;
      const upTo: Decider<number, PlanUpTo, EventPayload, LedgerEvent, { readonly kind: 'EmptyWeek'; readonly message: string }> = {
        decide: (c, planned) => weekPlanner.decide({ ...c, type: 'PlanWeek', data: { count: Math.max(1, c.data.upTo - planned) } }, planned),
        evolve: weekPlanner.evolve,
        initialState: () => 0,
      };
      const store = inMemoryEventStore();
      const twin: PlanUpTo = { type: 'PlanUpTo', data: { upTo: 3 }, metadata: { commandId: 'plan-up-to-3', actor: actors.math, occurredAt: OCCURRED_AT } };
      const first: PlanUpTo = { type: 'PlanUpTo', data: { upTo: 1 }, metadata: { commandId: 'plan-first', actor: actors.math, occurredAt: OCCURRED_AT } };
      const a = commandHandler(upTo, { store, clock: steppingClock().clock });
      // B decides on the empty stream (three events); before its append lands, another command
      // plans one lesson and A records the same command id on the newer state (two events).
      const { store: racing } = withCompetingWriter(store, async () => {
        right(await a('week', first));
        expect(right(await a('week', twin)).events).toHaveLength(2);
      });
      const b = commandHandler(upTo, { store: racing, clock: steppingClock().clock });
      const result = right(await b('week', twin));
      expect(result.alreadyHandled).toBe(true);
      expect(result.events).toEqual([]);
      expect((await streamEvents(store, 'week')).map((event) => event.metadata.eventId)).toEqual(['plan-first.0', 'plan-up-to-3.0', 'plan-up-to-3.1']);
      expect(result.state).toBe(3);
    });

    it('reports a twin that decided other data under the same event ids (a newer state) as handled: the store refuses it, nothing is overwritten', async () => {
      const store = inMemoryEventStore();
      const week: PlanWeek = { type: 'PlanWeek', data: { count: 2 }, metadata: { commandId: 'plan-week', actor: actors.math, occurredAt: OCCURRED_AT } };
      const first: PlanWeek = { type: 'PlanWeek', data: { count: 1 }, metadata: { commandId: 'plan-first', actor: actors.math, occurredAt: OCCURRED_AT } };
      const a = commandHandler(weekPlanner, { store, clock: steppingClock().clock });
      // B decides on the empty stream (lessons 1 and 2); before its append lands, another command
      // plans a lesson and A records the same command on the newer state: lessons 2 and 3 under
      // the ids B decided, so B's batch has every id in the stream with other data.
      const { store: racing } = withCompetingWriter(store, async () => {
        right(await a('week', first));
        right(await a('week', week));
      });
      const b = commandHandler(weekPlanner, { store: racing, clock: steppingClock().clock });
      const result = right(await b('week', week));
      expect(result).toMatchObject({ alreadyHandled: true, events: [], nextExpectedRevision: 2, state: 3 });
      const stored = await streamEvents(store, 'week');
      expect(stored.map((event) => event.metadata.eventId)).toEqual(['plan-first.0', 'plan-week.0', 'plan-week.1']);
      expect(stored.map((event) => (event.data as { lessonId: string }).lessonId)).toEqual(['lesson-1', 'lesson-2', 'lesson-3']);
      // The store itself refuses B's batch: the handler recognised the command in the reloaded stream.
      const resent = recordedEventsOf(week.metadata, right(weekPlanner.decide(week, 0)), '2023-10-02T10:00:00Z');
      const refused = await store.appendToStream('week', resent, { expectedRevision: 'noStream' });
      expect(refused).toMatchObject({ _tag: 'Left', left: { kind: 'EventIdConflict', eventId: 'plan-week.0' } });
    });

    it('reports a twin decided on the same state but stamped by a later clock as handled (recordedAt does not count on a re-send)', async () => {
      const store = await classWithLesson();
      const before = store.allEvents().length;
      const mark = recordMark('mark-later-clock', 'm-1', 7);
      const a = commandHandler(journal, { store, clock: steppingClock().clock });
      const later = (): string => '2023-10-02T11:00:00Z';
      // B decides on the same state as A, but its append lands after A's, with another recordedAt.
      const { store: racing } = withCompetingWriter(store, async () => {
        right(await a(STREAM, mark));
      });
      const b = commandHandler(journal, { store: racing, clock: later, maxRetries: 0 });
      const result = right(await b(STREAM, mark));
      expect(result).toMatchObject({ alreadyHandled: true, events: [], nextExpectedRevision: before });
      expect(store.allEvents()).toHaveLength(before + 1);
      expect(store.allEvents()[before]?.event.metadata.recordedAt).not.toBe('2023-10-02T11:00:00Z');
    });

    it('retries after a concurrent writer and decides again on the new state', async () => {
      const raw = await classWithLesson();
      const other = commandHandler(journal, { store: raw, clock: steppingClock().clock });
      right(await other(STREAM, recordMark('mark-m1', 'm-1', 4)));
      const competing = correctMark('correct-by-other', 'm-1', 5);
      const { store, appendCalls } = withCompetingWriter(raw, async () => {
        right(await other(STREAM, competing));
      });
      const handle = commandHandler(journal, { store, clock: steppingClock().clock });

      const handled = right(await handle(STREAM, correctMark('correct-mine', 'm-1', 8)));

      expect(appendCalls()).toBe(2);
      const events = await streamEvents(raw, STREAM);
      const [theirs, mine] = events.slice(-2);
      expect(theirs?.metadata.eventId).toBe('correct-by-other.0');
      expect(mine?.metadata.eventId).toBe('correct-mine.0');
      // Decided again: the correction supersedes the competing correction, not the original mark.
      expect(mine).toMatchObject({ type: 'MarkCorrected', data: { supersedesEventId: 'correct-by-other.0', value: { kind: 'formative', mark: 8 } } });
      expect(handled.events).toEqual([mine]);
      expect(handled.nextExpectedRevision).toBe(events.length - 1);
      expect(handled.state).toEqual(foldEvents(journal, events));
      const math = handled.state.status === 'open' ? handled.state.subjects.get('math') : undefined;
      expect(math?.pupils.get('pupil-1')?.marks.get('m-1')).toMatchObject({ mark: 8, lastEventId: 'correct-mine.0' });
    });

    it('creates a stream only if it still does not exist: a writer that created it meanwhile makes it decide again', async () => {
      const raw = inMemoryEventStore();
      const week = (commandId: string): PlanWeek => ({ type: 'PlanWeek', data: { count: 1 }, metadata: { commandId, actor: actors.math, occurredAt: OCCURRED_AT } });
      const other = commandHandler(weekPlanner, { store: raw, clock: steppingClock().clock });
      const { store, appendCalls } = withCompetingWriter(raw, async () => {
        right(await other('week-new', week('week-by-other')));
      });
      const handle = commandHandler(weekPlanner, { store, clock: steppingClock().clock });

      const handled = right(await handle('week-new', week('week-mine')));
      expect(appendCalls()).toBe(2);
      const events = await streamEvents(raw, 'week-new');
      // Decided again on the stream the other writer created: the next lesson, not a second lesson-1.
      expect(events.map((e) => (e.type === 'LessonPlanned' ? e.data.lessonId : e.type))).toEqual(['lesson-1', 'lesson-2']);
      expect(handled.state).toBe(foldEvents(weekPlanner, events));
    });

    it('refuses on retry when the new state no longer allows the command', async () => {
      const raw = await classWithLesson();
      const other = commandHandler(journal, { store: raw, clock: steppingClock().clock });
      const { store } = withCompetingWriter(raw, async () => {
        right(await other(STREAM, recordMark('mark-by-other', 'm-1', 4)));
      });
      const handle = commandHandler(journal, { store, clock: steppingClock().clock });

      const refused = left(await handle(STREAM, recordMark('mark-mine', 'm-1', 9)));
      expect(refused).toMatchObject({ kind: 'MarkAlreadyRecorded', markId: 'm-1' });
      expect((await streamEvents(raw, STREAM)).filter((e) => e.metadata.causationId === 'mark-mine')).toEqual([]);
    });

    it.each([
      [undefined, 4],
      [0, 1],
      [2, 3],
    ] as const)('gives RetriesExhausted when every attempt meets a concurrent writer (maxRetries %s: %i attempts)', async (maxRetries, attempts) => {
      const raw = await classWithLesson();
      const before = raw.allEvents().length;
      const other = commandHandler(journal, { store: raw, clock: steppingClock().clock });
      const { store, appendCalls } = withCompetingWriter(
        raw,
        async (call) => {
          right(await other(STREAM, enrol(`pupil-late-${call}`, '2023-09-15')));
        },
        true,
      );
      const handle = commandHandler(journal, { store, clock: steppingClock().clock, ...(maxRetries === undefined ? {} : { maxRetries }) });

      const exhausted = left(await handle(STREAM, recordMark('mark-unlucky', 'm-1', 9)));
      expect(exhausted).toMatchObject({ kind: 'RetriesExhausted', streamId: STREAM, attempts });
      expect(appendCalls()).toBe(attempts);
      const events = await streamEvents(raw, STREAM);
      expect(events.filter((e) => e.metadata.causationId === 'mark-unlucky')).toEqual([]);
      expect(events).toHaveLength(before + attempts);
    });
  });

  describe('command metadata', () => {
    it.each<[string, Partial<CommandMetadata>, string, unknown]>([
      ['a command id with spaces', { commandId: 'mark 1' }, 'metadata.commandId', 'mark 1'],
      ['a command id over 120 characters', { commandId: 'c'.repeat(121) }, 'metadata.commandId', 'c'.repeat(121)],
      ['an occurredAt that is not a UTC timestamp', { occurredAt: '2023-10-02 08:30' }, 'metadata.occurredAt', '2023-10-02 08:30'],
      ['an unknown actor role', { actor: { id: 'staff-math', role: 'headmaster' as Actor['role'] } }, 'metadata.actor.role', 'headmaster'],
      ['a correlation id with spaces', { correlationId: 'term 1 import' }, 'metadata.correlationId', 'term 1 import'],
    ])('refuses %s with InvalidCommandMetadata naming the field, and writes nothing', async (_, bad, path, value) => {
      const store = await classWithLesson();
      const before = [...store.allEvents()];
      const handle = commandHandler(journal, { store, clock: steppingClock().clock });
      const valid = recordMark('mark-1', 'm-1', 8);

      const error = left(await handle(STREAM, { ...valid, metadata: { ...valid.metadata, ...bad } }));
      expect(error.kind).toBe('InvalidCommandMetadata');
      if (error.kind !== 'InvalidCommandMetadata') throw new Error('unreachable');
      expect(error.issues).toContainEqual(expect.objectContaining({ path, value }));
      expect(error.message).toContain(path);
      expect(store.allEvents()).toEqual(before);
    });
  });

  describe('cached state', () => {
    it('folds the stream again from the start when the store holds fewer events than it cached (a store restored from an older copy)', async () => {
      const week = (commandId: string, count: number): PlanWeek => ({ type: 'PlanWeek', data: { count }, metadata: { commandId, actor: actors.math, occurredAt: OCCURRED_AT } });
      const newer = inMemoryEventStore();
      const older = inMemoryEventStore();
      right(await commandHandler(weekPlanner, { store: older, clock: steppingClock().clock })('week-restored', week('week-1', 1)));
      let current: EventStore = newer;
      // The same store object throughout, whose contents go back to the older copy.
      const store = new Proxy({} as EventStore, { get: (_target, key) => current[key as keyof EventStore] });
      const handle = commandHandler(weekPlanner, { store, clock: steppingClock().clock });
      right(await handle('week-restored', week('week-1', 3)));
      current = older;

      const handled = right(await handle('week-restored', week('week-2', 1)));
      const events = await streamEvents(older, 'week-restored');
      expect(events.map((e) => (e.type === 'LessonPlanned' ? e.data.lessonId : e.type))).toEqual(['lesson-1', 'lesson-2']);
      expect(handled.state).toBe(foldEvents(weekPlanner, events));
      expect(handled.nextExpectedRevision).toBe(events.length - 1);
    });

    type Step =
      | { readonly kind: 'enrol'; readonly pupil: number; readonly day: number }
      | { readonly kind: 'withdraw'; readonly pupil: number; readonly day: number }
      | { readonly kind: 'plan'; readonly lesson: number; readonly day: number }
      | { readonly kind: 'mark'; readonly pupil: number; readonly lesson: number; readonly markNo: number; readonly mark: number }
      | { readonly kind: 'correct'; readonly pupil: number; readonly markNo: number; readonly mark: number }
      | { readonly kind: 'annul'; readonly pupil: number; readonly markNo: number }
      | { readonly kind: 'attend'; readonly pupil: number; readonly lesson: number; readonly code: AttendanceCode }
      | { readonly kind: 'resend'; readonly index: number };

    const pupil = fc.integer({ min: 1, max: 3 });
    const lesson = fc.integer({ min: 1, max: 3 });
    const day = fc.integer({ min: 1, max: 27 });
    const markNo = fc.integer({ min: 1, max: 4 });
    const mark = fc.integer({ min: 1, max: 10 });
    const step: fc.Arbitrary<Step> = fc.oneof(
      fc.record({ kind: fc.constant('enrol' as const), pupil, day }),
      fc.record({ kind: fc.constant('withdraw' as const), pupil, day }),
      fc.record({ kind: fc.constant('plan' as const), lesson, day }),
      { arbitrary: fc.record({ kind: fc.constant('mark' as const), pupil, lesson, markNo, mark }), weight: 3 },
      fc.record({ kind: fc.constant('correct' as const), pupil, markNo, mark }),
      fc.record({ kind: fc.constant('annul' as const), pupil, markNo }),
      fc.record({ kind: fc.constant('attend' as const), pupil, lesson, code: fc.constantFrom<AttendanceCode>('unexcused', 'excused', 'illness', 'late') }),
      fc.record({ kind: fc.constant('resend' as const), index: fc.nat() }),
    );

    const dateOf = (d: number): string => `2023-09-${String(d).padStart(2, '0')}`;
    const commandOf = (s: Exclude<Step, { kind: 'resend' }>, n: number): ClassJournalCommand => {
      const id = `step-${n}`;
      switch (s.kind) {
        case 'enrol':
          return enrol(`pupil-${s.pupil}`, dateOf(s.day), id);
        case 'withdraw':
          return command('WithdrawPupil', { pupilId: `pupil-${s.pupil}`, on: dateOf(s.day) }, { commandId: id, actor: actors.director });
        case 'plan':
          return planLesson(`lesson-${s.lesson}`, dateOf(s.day), id);
        case 'mark':
          return recordMark(id, `m-${s.pupil}-${s.markNo}`, s.mark, `pupil-${s.pupil}`, `lesson-${s.lesson}`);
        case 'correct':
          return correctMark(id, `m-${s.pupil}-${s.markNo}`, s.mark, `pupil-${s.pupil}`);
        case 'annul':
          return command(
            'AnnulMark',
            { subjectId: 'math', markId: `m-${s.pupil}-${s.markNo}`, pupilId: `pupil-${s.pupil}` },
            { commandId: id, actor: actors.math, reason: 'поставлена не тому ученику' },
          );
        case 'attend':
          return command(
            'MarkAttendance',
            { subjectId: 'math', attendanceId: `a-${n}`, lessonId: `lesson-${s.lesson}`, pupilId: `pupil-${s.pupil}`, code: s.code },
            { commandId: id, actor: actors.math },
          );
      }
    };

    it('property: after any sequence of commands through two handlers, each handler state equals a fresh fold of the stream', async () => {
      let recordedByCommands = 0;
      let resentHandled = 0;
      await fc.assert(
        fc.asyncProperty(fc.array(fc.tuple(step, fc.boolean()), { maxLength: 30 }), async (steps) => {
          const store = inMemoryEventStore();
          const handlers = [0, 1].map(() => commandHandler(journal, { store, clock: steppingClock().clock }));
          const sent: ClassJournalCommand[] = [];
          const fold = async () => foldEvents(journal, await streamEvents(store, STREAM));

          for (const c of setupCommands) right(await handlers[0]!(STREAM, c));
          for (const [n, [s, second]] of steps.entries()) {
            const handle = handlers[second ? 1 : 0]!;
            const c = s.kind === 'resend' && sent.length > 0 ? sent[s.index % sent.length]! : s.kind === 'resend' ? setupCommands[0]! : commandOf(s, n);
            const result = await handle(STREAM, c);
            if (E.isRight(result)) {
              expect(result.right.state).toEqual(await fold());
              expect(result.right.nextExpectedRevision).toBe(right(await store.readStream(STREAM)).currentRevision);
              if (result.right.alreadyHandled) resentHandled++;
              else recordedByCommands += result.right.events.length;
              if (!result.right.alreadyHandled) sent.push(c);
            }
          }
          // Each handler's cached state, seen through a re-sent command, is the fold of the whole stream.
          for (const handle of handlers) {
            const resent = right(await handle(STREAM, openClass));
            expect(resent.alreadyHandled).toBe(true);
            expect(resent.state).toEqual(await fold());
          }
        }),
        { numRuns: 60 },
      );
      // The property saw commands that were recorded and re-sent ones, not only refusals.
      expect(recordedByCommands).toBeGreaterThan(0);
      expect(resentHandled).toBeGreaterThan(0);
    });
  });
});
