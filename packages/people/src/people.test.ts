import * as fc from 'fast-check';
import * as E from 'fp-ts/Either';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  accessFactsProjection,
  accessTrailProjection,
  auditTrailProjection,
  bulkAccesses,
  classAnalyticsOf,
  foldEvents,
  foldProjection,
  gradeHistory,
  gradeOverrides,
  inMemoryEventStore,
  journalChanges,
  kazakhstanRuleSets,
  reportCardOf,
  reportCardProjection,
  termResultsOf,
  withFamilyLinks,
  type AccessFacts,
  type Actor,
  type EventStore,
  type RecordedEvent,
} from '@grade-ledger/core';
import { buildSmallSchool, type SmallSchoolSummary } from '@grade-ledger/testing/school';
import { inMemoryKeyStore, type KeyStore } from './keyStore';
import { people, type People } from './people';
import type { PersonalRecord } from './record';
import { inMemoryRecordStore, type RecordStore, type StoredPerson } from './recordStore';
import { unseal } from './seal';

const director: Actor = { id: 'director-01', role: 'director' };
const deputy: Actor = { id: 'deputy-01', role: 'deputyDirector' };
const auditor: Actor = { id: 'auditor-01', role: 'auditor' };
const ruleSets = (() => {
  const sets = kazakhstanRuleSets();
  if (E.isLeft(sets)) throw new Error(sets.left.message);
  return sets.right;
})();
const legal = { reason: "The parent withdrew consent and asked for the child's data to be destroyed", legalBasis: 'Law 94-V art. 8, 18' };

const recordOf = (personId: string, index: number, kind: PersonalRecord['kind'], family: ReadonlyArray<string>): PersonalRecord => ({
  personId,
  kind,
  name: { family: ['Садыкова', 'Ахметов', 'Ким', 'Нурланова'][index % 4]!, given: ['Айгерим', 'Ерлан', 'Дана', 'Тимур'][index % 4]!, patronymic: 'Ерланович' },
  nationalId: String(100_000_000_000 + index * 7919).slice(0, 12),
  birthDate: kind === 'pupil' ? `20${String(10 + (index % 8)).padStart(2, '0')}-0${1 + (index % 9)}-1${index % 9}` : '1985-06-30',
  contacts: kind === 'parent' ? [{ kind: 'phone', value: `+7 701 555 ${String(index).padStart(4, '0')}` }] : [],
  family,
});

type World = {
  readonly store: EventStore & { readonly allEvents: () => ReadonlyArray<RecordedEvent> };
  readonly keys: KeyStore;
  readonly records: RecordStore;
  readonly ledger: People;
  readonly facts: AccessFacts;
  readonly now: { at: string };
};

let school: { readonly events: ReadonlyArray<RecordedEvent>; readonly summary: SmallSchoolSummary };

beforeAll(async () => {
  const store = inMemoryEventStore();
  const built = await buildSmallSchool({ seed: 7, since: 2022, until: 2023, store });
  if (E.isLeft(built)) throw new Error(built.left.message);
  school = { events: store.allEvents(), summary: built.right.summary };
});

/** A fresh store with the school's history, its people registered (a parent per pupil), and the people module over it. */
const world = async (): Promise<World> => {
  const store = inMemoryEventStore({ validate: false });
  for (const recorded of school.events) {
    const appended = await store.appendToStream(recorded.streamId, [recorded.event], { expectedRevision: 'any' });
    if (E.isLeft(appended)) throw new Error(appended.left.message);
  }
  const keys = inMemoryKeyStore();
  const records = inMemoryRecordStore();
  const now = { at: '2024-03-04T05:00:00Z' };
  const ledger = people({ store, keys, records, clock: () => now.at, schoolId: 'school-7' });
  for (const [i, pupilId] of school.summary.pupilIds.entries()) {
    for (const [personId, kind, family] of [
      [pupilId, 'pupil', [`parent-${pupilId}`]],
      [`parent-${pupilId}`, 'parent', [pupilId]],
    ] as const) {
      const registered = await ledger.register(recordOf(personId, i, kind, family), { id: 'system-import', role: 'system' });
      if (E.isLeft(registered)) throw new Error(registered.left.message);
    }
  }
  const links = await ledger.familyLinks();
  if (E.isLeft(links)) throw new Error(links.left.message);
  const facts = withFamilyLinks(foldEvents(accessFactsProjection, school.events).facts, links.right);
  return { store, keys, records, ledger, facts, now };
};

/** Every number the grade projections give: report cards, term results, class analytics, the audit's grade and mark trails. */
const gradeNumbers = (events: ReadonlyArray<RecordedEvent>) => {
  const journal = foldProjection(reportCardProjection, events);
  const audit = foldProjection(auditTrailProjection, events);
  return JSON.stringify(
    {
    reportCards: school.summary.pupilIds.map((p) => reportCardOf(journal, p)),
    termResults: termResultsOf(journal, ruleSets),
    analytics: classAnalyticsOf(journal, ruleSets),
    changes: journalChanges(audit),
    overrides: gradeOverrides(audit),
    grades: gradeHistory(audit),
    },
    (_key, value: unknown) => (typeof value === 'bigint' ? `${value}n` : value),
  );
};

describe('forgetting a person', () => {
  it('changes no number in any projection and leaves nothing decryptable, for any set of people', async () => {
    const baseline = gradeNumbers(school.events);
    await fc.assert(
      fc.asyncProperty(fc.subarray([...school.summary.pupilIds], { minLength: 1, maxLength: 6 }), fc.boolean(), async (forgotten, alsoParents) => {
        const w = await world();
        // What a backup of the record store made before the forgetting holds: the sealed records.
        const archived = new Map<string, StoredPerson | undefined>();
        for (const p of forgotten) archived.set(p, E.getOrElseW(() => undefined)(await w.records.get(p)));
        const targets = alsoParents ? forgotten.flatMap((p) => [p, `parent-${p}`]) : forgotten;
        for (const personId of targets) expect(await w.ledger.forget({ personId, actor: director, ...legal })).toEqual(E.right({ alreadyForgotten: false }));

        const events = [...w.store.allEvents()];
        expect(gradeNumbers(events)).toBe(baseline);
        expect(events.filter((e) => e.event.type === 'PersonalDataForgotten').map((e) => [e.event.metadata.actor, e.event.metadata.reason])).toEqual(targets.map(() => [director, legal.reason]));

        const read = await w.ledger.read(deputy, { resource: 'personalRecord', classIds: [], personIds: targets, fields: ['name', 'nationalId'], purpose: 'checking the forgetting' }, w.facts);
        if (E.isLeft(read)) throw new Error(read.left.message);
        for (const personId of targets) expect(read.right.people.get(personId)).toEqual({ status: 'forgotten', personId, pseudonym: w.ledger.pseudonym(personId, personId.startsWith('parent') ? 'parent' : 'pupil') });
        for (const [personId, copy] of archived) {
          expect(await w.keys.get(personId)).toEqual(E.right({ status: 'destroyed', personId }));
          expect((await w.records.get(personId)).valueOf()).toMatchObject({ right: { status: 'forgotten', sealed: null } });
          // No key left in the store opens the archived copy.
          for (const other of school.summary.pupilIds.slice(0, 5)) {
            const key = await w.keys.get(other);
            if (E.isRight(key) && key.right.status === 'present' && copy?.sealed != null) expect(E.isLeft(unseal(copy.sealed, key.right.key))).toBe(true);
          }
        }
        // Irreversible: a second forgetting records nothing new, and the person cannot be registered again.
        expect(await w.ledger.forget({ personId: targets[0]!, actor: director, ...legal })).toEqual(E.right({ alreadyForgotten: true }));
        expect(w.store.allEvents().length).toBe(events.length + 1); // the deputy's recorded read
        expect(await w.ledger.register(recordOf(targets[0]!, 0, 'pupil', []), { id: 'system-import', role: 'system' })).toMatchObject({ left: { kind: 'KeyDestroyed' } });
      }),
      { numRuns: 6 },
    );
  });

  it('is O(1): it reads only the person’s own stream, whatever the length of the history', async () => {
    const w = await world();
    let eventsRead = 0;
    let readAllCalls = 0;
    const counting: EventStore = {
      ...w.store,
      readStream: async (streamId, options) => {
        const result = await w.store.readStream(streamId, options);
        if (E.isRight(result)) eventsRead += result.right.events.length;
        return result;
      },
      readAll: (options) => {
        readAllCalls++;
        return w.store.readAll(options);
      },
    };
    const [first, second] = school.summary.pupilIds;
    expect(await w.ledger.block({ personId: first!, actor: deputy, ...legal })).toEqual(E.right(undefined));
    // A new module instance: nothing cached, so every event it needs is read from the store.
    const ledger = people({ store: counting, keys: w.keys, records: w.records, clock: () => w.now.at, schoolId: 'school-7' });
    expect(E.isRight(await ledger.forget({ personId: first!, actor: director, ...legal }))).toBe(true);
    expect(E.isRight(await ledger.forget({ personId: second!, actor: director, ...legal }))).toBe(true);
    expect(school.events.length).toBeGreaterThan(1000);
    expect(eventsRead).toBe(1); // the block in the first person's stream; nothing of the school's history
    expect(readAllCalls).toBe(0);
  });

  it('refuses a forgetting by a role that may not, or without a reason, and then destroys nothing', async () => {
    const w = await world();
    const personId = school.summary.pupilIds[0]!;
    expect(await w.ledger.forget({ personId, actor: { id: 'teacher-04', role: 'subjectTeacher' }, ...legal })).toMatchObject({ left: { kind: 'NotEntitled' } });
    expect(await w.ledger.forget({ personId, actor: director, legalBasis: legal.legalBasis, reason: ' ' })).toMatchObject({ left: { kind: 'InvalidCommandMetadata' } });
    expect((await w.keys.get(personId)).valueOf()).toMatchObject({ right: { status: 'present' } });
  });
});

describe('blocking and depersonalisation', () => {
  it('blocking hides a person until unblocked; depersonalisation keeps only the kind and the birth year', async () => {
    const w = await world();
    const [a, b] = school.summary.pupilIds;
    const read = async (personId: string) => {
      const result = await w.ledger.read(deputy, { resource: 'personalRecord', classIds: [], personIds: [personId], fields: ['name', 'birthDate'], purpose: 'appeal' }, w.facts);
      if (E.isLeft(result)) throw new Error(result.left.message);
      return result.right.people.get(personId);
    };
    expect(await read(a!)).toMatchObject({ status: 'identified', data: { name: { given: expect.any(String) }, birthDate: expect.any(String) } });
    expect(await w.ledger.block({ personId: a!, actor: deputy, reason: 'The parent disputes the record', legalBasis: 'Law 94-V art. 22' })).toEqual(E.right(undefined));
    expect(await read(a!)).toMatchObject({ status: 'blocked' });
    expect(await w.ledger.block({ personId: a!, actor: deputy, reason: 'again', legalBasis: 'x' })).toMatchObject({ left: { kind: 'NotPossibleInStatus', status: 'blocked' } });
    expect(await w.ledger.unblock({ personId: a!, actor: deputy, reason: 'The record was checked and corrected' })).toEqual(E.right(undefined));
    expect(await read(a!)).toMatchObject({ status: 'identified' });

    const before = await read(b!);
    expect(await w.ledger.depersonalise({ personId: b!, actor: director, reason: 'Kept for statistics only', legalBasis: 'Law 94-V art. 1' })).toEqual(E.right(undefined));
    const after = await read(b!);
    expect(after).toMatchObject({ status: 'depersonalised', kind: 'pupil', birthYear: Number((before as { data: { birthDate: string } }).data.birthDate.slice(0, 4)) });
    expect(JSON.stringify(after)).not.toMatch(/Садыкова|Ахметов|Ким|Нурланова/);
    expect(await w.ledger.forget({ personId: b!, actor: director, ...legal })).toEqual(E.right({ alreadyForgotten: false }));
    expect(await read(b!)).toMatchObject({ status: 'forgotten' });
    const trail = foldEvents(accessTrailProjection, w.store.allEvents());
    expect(trail.operations.map((o) => [o.operation, o.personId, o.actor.role])).toEqual([
      ['blocked', a, 'deputyDirector'],
      ['unblocked', a, 'deputyDirector'],
      ['depersonalised', b, 'director'],
      ['forgotten', b, 'director'],
    ]);
  });
});

describe('an interrupted operation', () => {
  it('depersonalising again completes a depersonalisation interrupted after it was recorded', async () => {
    const w = await world();
    const personId = school.summary.pupilIds[1]!;
    let failures = 1;
    const flaky: KeyStore = { ...w.keys, destroy: async (id) => (failures-- > 0 ? E.left({ kind: 'KeyStoreUnavailable', message: 'key store: down' }) : w.keys.destroy(id)) };
    const ledger = people({ store: w.store, keys: flaky, records: w.records, clock: () => w.now.at, schoolId: 'school-7' });
    const op = { personId, actor: director, reason: 'Kept for statistics only', legalBasis: 'Law 94-V art. 1' };
    expect(await ledger.depersonalise(op)).toMatchObject({ left: { kind: 'KeyStoreUnavailable' } });
    expect((await w.keys.get(personId)).valueOf()).toMatchObject({ right: { status: 'present' } });
    expect(await ledger.depersonalise(op)).toEqual(E.right(undefined));
    expect(await w.keys.get(personId)).toEqual(E.right({ status: 'destroyed', personId }));
    expect((await w.records.get(personId)).valueOf()).toMatchObject({ right: { status: 'depersonalised', sealed: null, remainder: { birthYear: expect.any(Number) } } });
    expect(w.store.allEvents().filter((e) => e.event.type === 'PersonalDataDepersonalised')).toHaveLength(1);
  });
});

describe('blocking and the record store', () => {
  const readName = async (ledger: People, facts: AccessFacts, personId: string) => {
    const result = await ledger.read(deputy, { resource: 'personalRecord', classIds: [], personIds: [personId], fields: ['name'], purpose: 'appeal' }, facts);
    if (E.isLeft(result)) throw new Error(result.left.message);
    return result.right.people.get(personId);
  };
  const legalBlock = { reason: 'The parent disputes the record', legalBasis: 'Law 94-V art. 22' };

  it('a person blocked before their record is registered stays blocked once it is', async () => {
    const w = await world();
    const personId = 'pupil-late-1';
    expect(await w.ledger.block({ personId, actor: deputy, ...legalBlock })).toEqual(E.right(undefined));
    expect(E.isRight(await w.ledger.register(recordOf(personId, 3, 'pupil', []), { id: 'system-import', role: 'system' }))).toBe(true);
    expect(await readName(w.ledger, w.facts, personId)).toMatchObject({ status: 'blocked' });
  });

  it('blocking again completes a blocking interrupted after it was recorded', async () => {
    const w = await world();
    const personId = school.summary.pupilIds[2]!;
    let failures = 1;
    const flaky: RecordStore = { ...w.records, put: async (p) => (failures-- > 0 ? E.left({ kind: 'RecordStoreUnavailable', message: 'record store: down' }) : w.records.put(p)) };
    const ledger = people({ store: w.store, keys: w.keys, records: flaky, clock: () => w.now.at, schoolId: 'school-7' });
    expect(await ledger.block({ personId, actor: deputy, ...legalBlock })).toMatchObject({ left: { kind: 'RecordStoreUnavailable' } });
    // The ledger says blocked; calling again (it answers that the data is blocked already) brings the record store in line.
    expect(await ledger.block({ personId, actor: deputy, ...legalBlock })).toMatchObject({ left: { kind: 'NotPossibleInStatus', status: 'blocked' } });
    expect(await readName(ledger, w.facts, personId)).toMatchObject({ status: 'blocked' });
    // A registration (a re-import of the record) keeps it blocked.
    expect(E.isRight(await ledger.register(recordOf(personId, 2, 'pupil', []), { id: 'system-import', role: 'system' }))).toBe(true);
    expect(await readName(ledger, w.facts, personId)).toMatchObject({ status: 'blocked' });
  });
});

describe('reads of personal data', () => {
  it('records every personal-data read exactly once, before returning it; pseudonymized and refused reads record nothing', async () => {
    const w = await world();
    const pupils = school.summary.pupilIds;
    const staff: ReadonlyArray<Actor> = [director, deputy, auditor, { id: 'teacher-04', role: 'subjectTeacher' }, { id: 'teacher-05', role: 'subjectTeacher' }];
    const classIds = [...w.facts.pupils.keys()];
    const expected = new Map<string, { actor: Actor; personIds: ReadonlyArray<string> }>();
    // Reads around one pupil: by their parent, themself, or staff; of them alone or of a few pupils.
    const arbRead = fc.constantFrom(...pupils).chain((pupil) =>
      fc.record({
        actor: fc.oneof(fc.constant<Actor>({ id: `parent-${pupil}`, role: 'parent' }), fc.constant<Actor>({ id: pupil, role: 'pupil' }), fc.constantFrom(...staff)),
        personIds: fc.oneof(fc.constant([pupil]), fc.subarray([...pupils], { minLength: 1, maxLength: 3 })),
      }),
    );
    await fc.assert(
      fc.asyncProperty(
        arbRead,
        fc.subarray(classIds, { maxLength: 1 }),
        fc.subarray(['name', 'birthDate'] as const),
        fc.option(fc.constant('a stated purpose'), { nil: undefined }),
        async ({ actor, personIds }, classes, fields, purpose) => {
          const result = await w.ledger.read(actor, { resource: 'reportCard', classIds: classes, personIds, fields, ...(purpose === undefined ? {} : { purpose }) }, w.facts);
          if (E.isRight(result) && result.right.accessId !== null) expected.set(result.right.accessId, { actor, personIds: result.right.grant.personIds });
          if (E.isRight(result) && result.right.grant.identified) {
            for (const view of result.right.people.values()) expect(['identified', 'forgotten', 'blocked', 'depersonalised']).toContain(view.status);
          }
          if (E.isRight(result) && !result.right.grant.identified) expect(result.right.accessId).toBeNull();
          // A parent never sees another child (through the people module, not only the policy): their own child, or themself.
          if (E.isRight(result) && actor.role === 'parent') for (const seen of result.right.people.keys()) expect([actor.id, actor.id.replace(/^parent-/, '')]).toContain(seen);
        },
      ),
      { numRuns: 80 },
    );
    const reads = w.store.allEvents().filter((e) => e.event.type === 'PersonalDataRead');
    const ids = reads.map((e) => (e.event.type === 'PersonalDataRead' ? e.event.data.accessId : ''));
    expect(new Set(ids).size).toBe(ids.length);
    expect(new Set(ids)).toEqual(new Set(expected.keys()));
    for (const e of reads)
      if (e.event.type === 'PersonalDataRead') {
        const want = expected.get(e.event.data.accessId);
        expect(e.event.metadata.actor).toEqual(want?.actor);
        expect(e.event.data.personIds).toEqual(want?.personIds);
        expect(e.event.data.personCount).toBe(want?.personIds.length);
      }
    expect(expected.size).toBeGreaterThan(5);
    // The audit trail (what `grade-ledger audit` prints) lists each of them exactly once.
    const trail = foldEvents(accessTrailProjection, w.store.allEvents());
    expect(trail.reads.map((r) => r.accessId).sort()).toEqual([...expected.keys()].sort());
    for (const r of trail.reads) expect([r.actor, r.personIds]).toEqual([expected.get(r.accessId)?.actor, expected.get(r.accessId)?.personIds]);
  });

  it('refuses an unapproved bulk read of the whole school with names, and runs it once approved by a second actor of another role', async () => {
    const w = await world();
    const classIds = [...w.facts.pupils.keys()];
    const request = { resource: 'reportCard' as const, classIds, personIds: 'wholeClasses' as const, fields: ['name' as const], purpose: 'report cards for the ministry' };
    const refused = await w.ledger.read(director, request, w.facts);
    expect(refused).toMatchObject({ left: { kind: 'BulkAccessNotApproved', actor: director } });
    const pseudonymized = await w.ledger.read(director, { ...request, fields: [] }, w.facts);
    expect(E.isRight(pseudonymized) && [...pseudonymized.right.people.values()].every((v) => v.status === 'pseudonymized' && /^pupil [0-9a-f]{8}$/.test(v.pseudonym))).toBe(true);
    const people = new Set(classIds.flatMap((c) => w.facts.pupils.get(c) ?? [])).size;
    const asked = await w.ledger.requestBulkAccess(director, { resource: 'reportCard', classIds, personCount: people, fields: ['name'], purpose: request.purpose });
    if (E.isLeft(asked)) throw new Error(asked.left.message);
    expect(await w.ledger.approveBulkAccess({ id: 'director-02', role: 'director' }, asked.right.requestId)).toMatchObject({ left: { kind: 'FourEyesViolation' } });
    expect(await w.ledger.approveBulkAccess(auditor, asked.right.requestId)).toEqual(E.right(undefined));
    const approved = await w.ledger.read(director, request, w.facts, { bulkRequestId: asked.right.requestId });
    if (E.isLeft(approved)) throw new Error(approved.left.message);
    expect([...approved.right.people.values()].every((v) => v.status === 'identified' && v.data.name !== undefined)).toBe(true);
    const trail = foldEvents(accessTrailProjection, w.store.allEvents());
    const bulk = bulkAccesses(trail, { from: '2024-03-01', to: '2024-03-31' });
    expect(bulk.map((b) => [b.read.actor.id, b.read.personCount, b.request?.decision?.decision, b.request?.decision?.actor.id])).toEqual([['director-01', people, 'approved', 'auditor-01']]);
    expect(await w.ledger.read(director, request, w.facts, { bulkRequestId: asked.right.requestId })).toMatchObject({ left: { kind: 'BulkRequestNotUsable', status: 'used' } });
  });
});

describe('a bulk-access approval', () => {
  it('covers the people of the classes requested only, however the read names them', async () => {
    const w = await world();
    const [one] = [...w.facts.pupils.keys()];
    const pupilsOf = (classId: string) => [...(w.facts.pupils.get(classId) ?? [])];
    const others = school.summary.pupilIds.filter((p) => !pupilsOf(one!).includes(p)).slice(0, 4);
    expect(others.length).toBeGreaterThan(0);
    const asked = await w.ledger.requestBulkAccess(director, { resource: 'personalRecord', classIds: [one!], personCount: 100, fields: ['name'], purpose: 'olympiad' });
    if (E.isLeft(asked)) throw new Error(asked.left.message);
    expect(await w.ledger.approveBulkAccess(auditor, asked.right.requestId)).toEqual(E.right(undefined));
    const approved = { bulkRequestId: asked.right.requestId };
    const reading = (classIds: ReadonlyArray<string>, personIds: ReadonlyArray<string>) =>
      w.ledger.read(director, { resource: 'personalRecord', classIds, personIds, fields: ['name'], purpose: 'olympiad' }, w.facts, approved);
    // Another class's pupils, named without a class or under the approved class: refused, nothing recorded.
    expect(await reading([], others)).toMatchObject({ left: { kind: 'ReadExceedsApproval', field: 'personIds', value: others } });
    expect(await reading([one!], others)).toMatchObject({ left: { kind: 'ReadExceedsApproval', field: 'personIds' } });
    expect(w.store.allEvents().filter((e) => e.event.type === 'PersonalDataRead')).toHaveLength(0);
    // The class's pupils and their parents: read.
    const ofOne = [...pupilsOf(one!).slice(0, 3), `parent-${pupilsOf(one!)[0]!}`];
    const read = await reading([one!], ofOne);
    expect(E.isRight(read) && [...read.right.people.values()].every((v) => v.status === 'identified')).toBe(true);
  });
});

describe('the access id of a read', () => {
  const readsOf = (w: World) => w.store.allEvents().filter((e) => e.event.type === 'PersonalDataRead');

  it('is never a way to read unrecorded: another read, another actor or an id the day’s stream holds for something else is refused, and nothing is decrypted', async () => {
    const w = await world();
    const [a, b, c] = school.summary.pupilIds;
    const request = (personIds: ReadonlyArray<string>) => ({ resource: 'personalRecord' as const, classIds: [], personIds, fields: ['name' as const], purpose: 'checking a record' });
    const first = await w.ledger.read(deputy, request([a!]), w.facts, { accessId: 'access-1' });
    expect(E.isRight(first) && first.right.people.get(a!)?.status).toBe('identified');
    expect(readsOf(w)).toHaveLength(1);

    // The same access id for other people, by the same actor or another: refused, not recorded, nothing shown.
    expect(await w.ledger.read(deputy, request([b!, c!]), w.facts, { accessId: 'access-1' })).toMatchObject({ left: { kind: 'AccessAlreadyRecorded', accessId: 'access-1' } });
    expect(await w.ledger.read(director, request([a!]), w.facts, { accessId: 'access-1' })).toMatchObject({ left: { kind: 'AccessAlreadyRecorded', accessId: 'access-1' } });
    expect(await w.ledger.read(deputy, { ...request([a!]), fields: ['name', 'nationalId'] }, w.facts, { accessId: 'access-1' })).toMatchObject({ left: { kind: 'AccessAlreadyRecorded' } });

    // An access id that is the command id of a bulk request's approval in the same stream: refused.
    const asked = await w.ledger.requestBulkAccess(director, { requestId: 'bulk-1', resource: 'personalRecord', classIds: [], personCount: 2, fields: ['name'], purpose: 'x' });
    expect(E.isRight(asked)).toBe(true);
    expect(await w.ledger.approveBulkAccess(auditor, 'bulk-1')).toEqual(E.right(undefined));
    for (const accessId of ['bulk-1.request', 'bulk-1.approve'])
      expect(await w.ledger.read(deputy, request([b!, c!]), w.facts, { accessId })).toMatchObject({ left: { kind: 'AccessAlreadyRecorded', accessId } });
    expect(readsOf(w)).toHaveLength(1);

    // The very same read again (a retry after a failure half-way): it was recorded once, and is shown.
    const again = await w.ledger.read(deputy, request([a!]), w.facts, { accessId: 'access-1' });
    expect(E.isRight(again) && again.right.people.get(a!)?.status).toBe('identified');
    expect(readsOf(w)).toHaveLength(1);
  });

  it('cannot run a bulk read again under an approval already used, for other people', async () => {
    const w = await world();
    const classIds = [...w.facts.pupils.keys()];
    const [one, two] = classIds;
    const asked = await w.ledger.requestBulkAccess(director, { resource: 'reportCard', classIds: [one!], personCount: 40, fields: ['name'], purpose: 'olympiad' });
    if (E.isLeft(asked)) throw new Error(asked.left.message);
    expect(await w.ledger.approveBulkAccess(auditor, asked.right.requestId)).toEqual(E.right(undefined));
    const approved = { bulkRequestId: asked.right.requestId, accessId: 'access-bulk' };
    const read = await w.ledger.read(director, { resource: 'reportCard', classIds: [one!], personIds: 'wholeClasses', fields: ['name'], purpose: 'olympiad' }, w.facts, approved);
    expect(E.isRight(read)).toBe(true);
    const other = await w.ledger.read(director, { resource: 'reportCard', classIds: [two!], personIds: 'wholeClasses', fields: ['name'], purpose: 'olympiad' }, w.facts, approved);
    expect(other).toMatchObject({ left: { kind: 'AccessAlreadyRecorded' } });
    expect(readsOf(w)).toHaveLength(1);
  });
});
