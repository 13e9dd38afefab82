import * as fc from 'fast-check';
import * as E from 'fp-ts/Either';
import { describe, expect, it } from 'vitest';
import type { Actor, ActorRole } from '../events/metadata';
import type { PersonalField } from '../events/people';
import { AccessPolicyCodec, authorizeRead, authorizeWrite, defaultAccessPolicy, withFamilyLinks, type AccessFacts, type ReadRequest } from './policy';

const policy = defaultAccessPolicy();

/** A school of 4 classes × 5 pupils, a class teacher each, 3 subject teachers over them, parents of 1-2 children. */
const classes = ['5A', '5B', '6A', '6B'];
const pupilsOf = (c: string) => Array.from({ length: 5 }, (_, i) => `pupil-${c}-${i}`);
const allPupils = classes.flatMap(pupilsOf);
const baseFacts: AccessFacts = {
  classTeachers: new Map(classes.map((c, i) => [c, `teacher-${i}`])),
  teachers: new Map(classes.map((c, i) => [c, [`teacher-${i}`, `teacher-${(i + 1) % 4}`, 'teacher-pe']])),
  pupils: new Map(classes.map((c) => [c, pupilsOf(c)])),
  children: new Map(),
};
const families = fc.array(fc.record({ parent: fc.integer({ min: 0, max: 9 }), child: fc.constantFrom(...allPupils) }), { maxLength: 20 }).map((links) =>
  withFamilyLinks(
    baseFacts,
    links.map((l) => ({ parentId: `parent-${l.parent}`, childId: l.child })),
  ),
);
const roles: ReadonlyArray<ActorRole> = ['subjectTeacher', 'classTeacher', 'deputyDirector', 'director', 'auditor', 'parent', 'pupil', 'system'];
const arbActor: fc.Arbitrary<Actor> = fc.constantFrom(...roles).chain((role) =>
  (role === 'parent' ? fc.integer({ min: 0, max: 9 }).map((i) => `parent-${i}`) : role === 'pupil' ? fc.constantFrom(...allPupils) : fc.constantFrom('teacher-0', 'teacher-1', 'teacher-2', 'teacher-3', 'teacher-pe', 'staff-9')).map(
    (id) => ({ id, role }),
  ),
);
const arbFields: fc.Arbitrary<ReadonlyArray<PersonalField>> = fc.subarray(['name', 'nationalId', 'birthDate', 'contacts', 'family'] as PersonalField[]);
const arbRequest: fc.Arbitrary<ReadRequest> = fc.record({
  resource: fc.constantFrom('journal', 'reportCard', 'personalRecord', 'export'),
  classIds: fc.subarray(classes),
  personIds: fc.oneof(fc.constant('wholeClasses' as const), fc.subarray([...allPupils, 'parent-1', 'parent-2'], { maxLength: 6 })),
  fields: arbFields,
  purpose: fc.option(fc.constantFrom('ministry report', 'appeal review'), { nil: undefined }),
}).map(({ purpose, ...r }) => (purpose === undefined ? r : { ...r, purpose }));

describe('authorizeRead', () => {
  it('a parent never sees another child, a pupil only themself: for random facts, actors and requests', () => {
    fc.assert(
      fc.property(families, arbActor, arbRequest, (facts, actor, request) => {
        const result = authorizeRead(policy, actor, request, facts);
        if (E.isLeft(result)) {
          expect(result.left).toMatchObject({ kind: 'AccessRefused', actor, role: actor.role });
          expect(result.left.message).toContain(`${actor.role} ${actor.id}`);
          return;
        }
        const grant = result.right;
        const children = facts.children.get(actor.id) ?? [];
        if (actor.role === 'parent') for (const p of grant.personIds) expect(p === actor.id || children.includes(p)).toBe(true);
        if (actor.role === 'pupil') expect(grant.personIds.every((p) => p === actor.id)).toBe(true);
        if (actor.role === 'subjectTeacher') {
          const taught = classes.filter((c) => facts.teachers.get(c)?.includes(actor.id));
          const reachable = new Set(taught.flatMap(pupilsOf));
          for (const p of grant.personIds) expect(reachable.has(p)).toBe(true);
        }
        // A grant discloses exactly what was asked, and personal data always with a purpose.
        expect(grant.identified).toBe(request.fields.length > 0);
        if (grant.identified) expect(grant.purpose?.trim()).toBeTruthy();
      }),
      { numRuns: 400 },
    );
  });

  it("lets a parent read their own child's report card, and refuses another child's naming actor, role and resource", () => {
    const facts = withFamilyLinks(baseFacts, [{ parentId: 'parent-1', childId: 'pupil-5A-0' }]);
    const parent: Actor = { id: 'parent-1', role: 'parent' };
    const own = authorizeRead(policy, parent, { resource: 'reportCard', classIds: ['5A'], personIds: ['pupil-5A-0'], fields: ['name'] }, facts);
    expect(own).toMatchObject({ right: { personIds: ['pupil-5A-0'], identified: true, purpose: "a parent's access to their own child's records" } });
    const other = authorizeRead(policy, parent, { resource: 'reportCard', classIds: ['5A'], personIds: ['pupil-5A-1'], fields: [] }, facts);
    expect(other).toEqual(
      E.left({
        kind: 'AccessRefused',
        actor: parent,
        role: 'parent',
        resource: 'the report cards of class 5A for pupil-5A-1',
        reason: 'outOfScope',
        denied: ['pupil-5A-1'],
        message: "parent parent-1 may not read the report cards of class 5A for pupil-5A-1: pupil-5A-1 outside the role's reach",
      }),
    );
    expect(authorizeRead(policy, parent, { resource: 'journal', classIds: ['5A'], personIds: 'wholeClasses', fields: [] }, facts)).toMatchObject({ left: { reason: 'outOfScope', denied: ['5A'] } });
  });

  it('lets an auditor read everything pseudonymized, and personal data only with a stated purpose', () => {
    const auditor: Actor = { id: 'auditor-1', role: 'auditor' };
    const whole: ReadRequest = { resource: 'export', classIds: classes, personIds: 'wholeClasses', fields: [] };
    expect(authorizeRead(policy, auditor, whole, baseFacts)).toMatchObject({ right: { identified: false, personIds: allPupils } });
    expect(authorizeRead(policy, auditor, { ...whole, fields: ['name'] }, baseFacts)).toMatchObject({ left: { reason: 'purposeRequired', role: 'auditor' } });
    expect(authorizeRead(policy, auditor, { ...whole, fields: ['name'], purpose: 'ministry inspection 2026-04' }, baseFacts)).toMatchObject({
      right: { identified: true, purpose: 'ministry inspection 2026-04' },
    });
  });

  it('gives a subject teacher names in the classes they teach, never ИИН or contacts, nothing elsewhere', () => {
    const teacher: Actor = { id: 'teacher-pe', role: 'subjectTeacher' };
    expect(authorizeRead(policy, teacher, { resource: 'journal', classIds: ['6B'], personIds: 'wholeClasses', fields: ['name'] }, baseFacts)).toMatchObject({ right: { purpose: 'teaching the class' } });
    expect(authorizeRead(policy, teacher, { resource: 'journal', classIds: ['6B'], personIds: 'wholeClasses', fields: ['nationalId', 'contacts'] }, baseFacts)).toMatchObject({
      left: { reason: 'fieldsNotAllowed', denied: ['nationalId', 'contacts'] },
    });
    const other: Actor = { id: 'teacher-0', role: 'subjectTeacher' };
    expect(authorizeRead(policy, other, { resource: 'journal', classIds: ['6A'], personIds: 'wholeClasses', fields: [] }, baseFacts)).toMatchObject({ left: { denied: ['6A'] } });
    // Naming a pupil of another class under a taught class does not reach them either.
    expect(authorizeRead(policy, other, { resource: 'journal', classIds: ['5A'], personIds: ['pupil-6A-1'], fields: ['name'] }, baseFacts)).toMatchObject({ left: { denied: ['pupil-6A-1'] } });
  });

  it('is data: the default policy round-trips through its codec, and writes follow the journal scopes', () => {
    expect(AccessPolicyCodec.decode(JSON.parse(JSON.stringify(policy)))).toEqual(E.right(policy));
    expect(E.isLeft(AccessPolicyCodec.decode({ ...policy, bulkGuard: { ...policy.bulkGuard, maxPeoplePerDay: -1 } }))).toBe(true);
    expect(authorizeWrite(policy, { id: 'teacher-1', role: 'subjectTeacher' }, '5A', baseFacts)).toEqual(E.right('5A'));
    expect(authorizeWrite(policy, { id: 'parent-1', role: 'parent' }, '5A', baseFacts)).toMatchObject({ left: { kind: 'WriteRefused', role: 'parent' } });
  });
});
