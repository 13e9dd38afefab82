import * as fc from 'fast-check';
import * as E from 'fp-ts/Either';
import { describe, expect, it } from 'vitest';
import { commandHandler } from '../commandHandling/commandHandler';
import { foldEvents } from '../decider/decider';
import { inMemoryEventStore } from '../eventStore/inMemoryEventStore';
import type { Actor, ActorRole } from '../events/metadata';
import { accessDayDecider, accessStreamId, isBulk, schoolDayOf, totalsAfter, type AccessDayCommand, type DailyTotals } from './accessDay';
import { accessTrailProjection, bulkAccesses, personalDataReads } from './accessTrail';
import { defaultAccessPolicy } from './policy';

const guard = { ...defaultAccessPolicy().bulkGuard, maxPeoplePerDay: 40, maxClassesPerDay: 2 };
const day = '2026-03-02';
const at = '2026-03-02T05:00:00Z';
const stream = accessStreamId('school-1', day);
const roles: ReadonlyArray<ActorRole> = ['subjectTeacher', 'classTeacher', 'deputyDirector', 'director', 'auditor', 'parent', 'pupil'];
const arbActor = fc.record({ id: fc.constantFrom('a-1', 'a-2', 'a-3'), role: fc.constantFrom(...roles) });

let n = 0;
const readCommand = (actor: Actor, classIds: ReadonlyArray<string>, personIds: ReadonlyArray<string>, bulkRequestId?: string): AccessDayCommand => {
  const accessId = `access-${++n}`;
  return {
    type: 'RecordPersonalDataRead',
    data: { accessId, day, resource: 'reportCard', classIds, personIds, personCount: personIds.length, fields: ['name'], purpose: 'term report', ...(bulkRequestId === undefined ? {} : { bulkRequestId }) },
    metadata: { commandId: accessId, actor, occurredAt: at },
  };
};

describe('schoolDayOf', () => {
  it('counts the school day at the offset from UTC', () => {
    expect(schoolDayOf('2026-03-01T19:30:00Z', 300)).toBe('2026-03-02');
    expect(schoolDayOf('2026-03-01T18:59:59Z', 300)).toBe('2026-03-01');
    expect(schoolDayOf('2026-03-02T00:00:00Z', 0)).toBe('2026-03-02');
  });
});

describe('the bulk-access guard', () => {
  it('refuses every unapproved read that takes an actor above the day threshold, and records every other one: random actors and sizes', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ actor: arbActor, classes: fc.subarray(['5A', '5B', '6A', '6B']), people: fc.integer({ min: 1, max: 30 }), offset: fc.nat(60) }), { minLength: 1, maxLength: 12 }),
        async (reads) => {
          const store = inMemoryEventStore();
          const handle = commandHandler(accessDayDecider(guard), { store, clock: () => at });
          const totals = new Map<string, DailyTotals>();
          let accepted = 0;
          for (const r of reads) {
            const personIds = Array.from({ length: r.people }, (_, i) => `p-${r.offset + i}`);
            const before = totals.get(r.actor.id) ?? { people: new Set<string>(), classes: new Set<string>() };
            const after = totalsAfter(before, { personIds, classIds: r.classes });
            const result = await handle(stream, readCommand(r.actor, r.classes, personIds));
            if (isBulk(guard, after)) {
              expect(result).toMatchObject({ left: { kind: 'BulkAccessNotApproved', actor: r.actor } });
              if (E.isLeft(result)) expect(result.left.message).toContain('approved by a second actor of another role');
            } else {
              expect(E.isRight(result)).toBe(true);
              totals.set(r.actor.id, after);
              accepted++;
            }
          }
          // Nothing refused was written: every recorded read is within its actor's limits.
          const recorded = store.allEvents().filter((e) => e.event.type === 'PersonalDataRead');
          expect(recorded.length).toBe(accepted);
          for (const [, t] of totals) expect(isBulk(guard, t)).toBe(false);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('runs a bulk read once under an approval by a second actor of another role; never twice, never beyond what was approved', async () => {
    const store = inMemoryEventStore();
    const handle = commandHandler(accessDayDecider(guard), { store, clock: () => at });
    const deputy: Actor = { id: 'deputy-1', role: 'deputyDirector' };
    const people = Array.from({ length: 120 }, (_, i) => `p-${i}`);
    const request = (requestId: string): AccessDayCommand => ({
      type: 'RequestBulkAccess',
      data: { requestId, day, resource: 'reportCard', classIds: ['5A', '5B', '6A', '6B'], personCount: 120, fields: ['name'], purpose: 'term report' },
      metadata: { commandId: `${requestId}.request`, actor: deputy, occurredAt: at },
    });
    const decision = (requestId: string, actor: Actor, type: 'ApproveBulkAccess' | 'DeclineBulkAccess' = 'ApproveBulkAccess', reason?: string): AccessDayCommand => ({
      type,
      data: { requestId },
      metadata: { commandId: `${requestId}.${actor.id}.${type}`, actor, occurredAt: at, ...(reason === undefined ? {} : { reason }) },
    });
    expect(await handle(stream, readCommand(deputy, ['5A', '5B', '6A', '6B'], people))).toMatchObject({ left: { kind: 'BulkAccessNotApproved', people: 120, classes: 4 } });
    expect(E.isRight(await handle(stream, request('bulk-1')))).toBe(true);
    // Not yet approved; the requester, another deputy, or a parent cannot approve.
    expect(await handle(stream, readCommand(deputy, ['5A'], people, 'bulk-1'))).toMatchObject({ left: { kind: 'BulkRequestNotUsable', status: 'requested' } });
    expect(await handle(stream, decision('bulk-1', deputy))).toMatchObject({ left: { kind: 'FourEyesViolation' } });
    expect(await handle(stream, decision('bulk-1', { id: 'deputy-2', role: 'deputyDirector' }))).toMatchObject({ left: { kind: 'FourEyesViolation' } });
    expect(await handle(stream, decision('bulk-1', { id: 'parent-1', role: 'parent' }))).toMatchObject({ left: { kind: 'NotEntitled' } });
    expect(E.isRight(await handle(stream, decision('bulk-1', { id: 'director-1', role: 'director' })))).toBe(true);
    // Beyond the approval: another class, more people, another purpose.
    expect(await handle(stream, readCommand(deputy, ['7A'], people.slice(0, 10), 'bulk-1'))).toMatchObject({ left: { kind: 'ReadExceedsApproval', field: 'classIds' } });
    expect(await handle(stream, readCommand({ id: 'teacher-1', role: 'subjectTeacher' }, ['5A'], people, 'bulk-1'))).toMatchObject({ left: { kind: 'BulkRequestOfAnotherActor' } });
    expect(E.isRight(await handle(stream, readCommand(deputy, ['5A', '5B', '6A', '6B'], people, 'bulk-1')))).toBe(true);
    expect(await handle(stream, readCommand(deputy, ['5A', '5B', '6A', '6B'], people, 'bulk-1'))).toMatchObject({ left: { kind: 'BulkRequestNotUsable', status: 'used' } });
    // Declining needs a reason.
    expect(E.isRight(await handle(stream, request('bulk-2')))).toBe(true);
    expect(await handle(stream, decision('bulk-2', { id: 'auditor-1', role: 'auditor' }, 'DeclineBulkAccess'))).toMatchObject({ left: { kind: 'ReasonRequired' } });
    expect(E.isRight(await handle(stream, decision('bulk-2', { id: 'auditor-1', role: 'auditor' }, 'DeclineBulkAccess', 'no purpose in the school plan')))).toBe(true);

    const trail = foldEvents(accessTrailProjection, store.allEvents());
    const bulk = bulkAccesses(trail, { from: day, to: day });
    expect(bulk).toHaveLength(1);
    expect(bulk[0]?.request?.decision).toMatchObject({ decision: 'approved', actor: { id: 'director-1', role: 'director' } });
    expect(bulk[0]?.read).toMatchObject({ personCount: 120, actor: deputy, purpose: 'term report' });
    expect(personalDataReads(trail, { from: '2026-03-03', to: '2026-03-31' })).toEqual([]);
  });

  it('refuses a read on another day than its stream, a pseudonymized read, and a wrong count', async () => {
    const decider = accessDayDecider(guard);
    const actor: Actor = { id: 'a-1', role: 'director' };
    const read = readCommand(actor, ['5A'], ['p-1']);
    const state = decider.initialState();
    expect(decider.decide({ ...read, data: { ...(read.data as object), day: '2026-03-03' } } as unknown as AccessDayCommand, state)).toMatchObject({ left: { kind: 'WrongDay', expected: day } });
    expect(decider.decide({ ...read, data: { ...(read.data as object), fields: [] } } as unknown as AccessDayCommand, state)).toMatchObject({ left: { kind: 'NothingPersonal' } });
    expect(decider.decide({ ...read, data: { ...(read.data as object), personCount: 3 } } as unknown as AccessDayCommand, state)).toMatchObject({ left: { kind: 'PersonCountMismatch' } });
    expect(decider.decide({ ...read, data: { ...(read.data as object), purpose: '' } } as unknown as AccessDayCommand, state)).toMatchObject({ left: { kind: 'InvalidCommand', issues: [{ path: 'data.purpose' }] } });
  });
});
