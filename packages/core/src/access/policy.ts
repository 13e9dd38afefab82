import * as E from 'fp-ts/Either';
import * as t from 'io-ts';
import type { AccessedResource, PersonalField } from '../events/people';
import { AccessedResourceCodec, PersonalFieldCodec } from '../events/people';
import { ActorRoleCodec, type Actor, type ActorRole } from '../events/metadata';
import type { ClassId, Id, PupilId, StaffId } from '../primitives/ids';
import { IdCodec } from '../primitives/ids';
import { intInRange } from '../primitives/text';

/*
 * Who may see what, as data. A role's reach is a list of scopes; a read is granted when every
 * class and every person it touches is within one of them. Personal data (names, ИИН, birth
 * dates, contacts, family links) is a separate permission with its own scopes, the kinds of
 * data the role may see, and whether the reader must state a purpose. Refusals are typed and
 * name the actor, the role and the resource.
 */

/**
 * How far a role reaches:
 * - `all`: the whole school;
 * - `self`: the actor's own records (a pupil);
 * - `ownChildren`: the pupils the actor is a parent of;
 * - `ownClass`: the classes the actor is class teacher of, their pupils and those pupils' parents;
 * - `taughtClasses`: the classes the actor teaches a subject in, and their pupils.
 */
export const ScopeCodec = t.keyof({ all: null, self: null, ownChildren: null, ownClass: null, taughtClasses: null }, 'Scope');
export type Scope = t.TypeOf<typeof ScopeCodec>;

const scopes = t.readonlyArray(ScopeCodec);

/** The purpose of a personal-data read: stated by the reader, or implied by the role's duties. */
export const PurposeRuleCodec = t.union(
  [t.readonly(t.strict({ required: t.literal(true) })), t.readonly(t.strict({ required: t.literal(false), implied: t.string }))],
  'PurposeRule',
);
export type PurposeRule = t.TypeOf<typeof PurposeRuleCodec>;

export const RolePolicyCodec = t.readonly(
  t.strict({
    journal: t.readonly(t.strict({ read: scopes, write: scopes })),
    reportCard: t.readonly(t.strict({ read: scopes })),
    personalData: t.readonly(t.strict({ read: scopes, fields: t.readonlyArray(PersonalFieldCodec), purpose: PurposeRuleCodec })),
  }),
  'RolePolicy',
);
export type RolePolicy = t.TypeOf<typeof RolePolicyCodec>;

/**
 * The bulk-access guard: personal data of more than `maxPeoplePerDay` people, or of more than
 * `maxClassesPerDay` classes, read by one actor in one school day needs a bulk-access request
 * approved by a second actor of another role, one of `approverRoles`. The school day is the
 * calendar day at `utcOffsetMinutes` from UTC (Kazakhstan: +300).
 */
export const BulkGuardPolicyCodec = t.readonly(
  t.strict({
    maxPeoplePerDay: intInRange(0, 10_000_000),
    maxClassesPerDay: intInRange(0, 100_000),
    utcOffsetMinutes: intInRange(-12 * 60, 14 * 60),
    approverRoles: t.readonlyArray(ActorRoleCodec),
  }),
  'BulkGuardPolicy',
);
export type BulkGuardPolicy = t.TypeOf<typeof BulkGuardPolicyCodec>;

const roleRecord = t.readonly(
  t.strict({
    subjectTeacher: RolePolicyCodec,
    classTeacher: RolePolicyCodec,
    deputyDirector: RolePolicyCodec,
    director: RolePolicyCodec,
    auditor: RolePolicyCodec,
    parent: RolePolicyCodec,
    pupil: RolePolicyCodec,
    system: RolePolicyCodec,
  }),
);

/** A school's access policy: a rule per role, the bulk guard, and who may block or forget people's data. */
export const AccessPolicyCodec = t.readonly(
  t.strict({ roles: roleRecord, bulkGuard: BulkGuardPolicyCodec, dataOperators: t.readonlyArray(ActorRoleCodec) }),
  'AccessPolicy',
);
export type AccessPolicy = t.TypeOf<typeof AccessPolicyCodec>;

const ALL_FIELDS: ReadonlyArray<PersonalField> = ['name', 'nationalId', 'birthDate', 'contacts', 'family'];

/**
 * The default policy (docs/personal-data.md has it as a table). A school may load its own with
 * {@link AccessPolicyCodec}.
 */
export const defaultAccessPolicy = (): AccessPolicy => ({
  roles: {
    subjectTeacher: {
      journal: { read: ['taughtClasses'], write: ['taughtClasses'] },
      reportCard: { read: ['taughtClasses'] },
      personalData: { read: ['taughtClasses'], fields: ['name'], purpose: { required: false, implied: 'teaching the class' } },
    },
    classTeacher: {
      journal: { read: ['ownClass', 'taughtClasses'], write: ['ownClass'] },
      reportCard: { read: ['ownClass'] },
      personalData: { read: ['ownClass'], fields: ['name', 'birthDate', 'contacts', 'family'], purpose: { required: false, implied: "the class teacher's duties" } },
    },
    deputyDirector: {
      journal: { read: ['all'], write: ['all'] },
      reportCard: { read: ['all'] },
      personalData: { read: ['all'], fields: ALL_FIELDS, purpose: { required: true } },
    },
    director: {
      journal: { read: ['all'], write: ['all'] },
      reportCard: { read: ['all'] },
      personalData: { read: ['all'], fields: ALL_FIELDS, purpose: { required: true } },
    },
    auditor: {
      journal: { read: ['all'], write: [] },
      reportCard: { read: ['all'] },
      personalData: { read: ['all'], fields: ALL_FIELDS, purpose: { required: true } },
    },
    parent: {
      journal: { read: ['ownChildren'], write: [] },
      reportCard: { read: ['ownChildren'] },
      personalData: { read: ['self', 'ownChildren'], fields: ALL_FIELDS, purpose: { required: false, implied: "a parent's access to their own child's records" } },
    },
    pupil: {
      journal: { read: ['self'], write: [] },
      reportCard: { read: ['self'] },
      personalData: { read: ['self'], fields: ALL_FIELDS, purpose: { required: false, implied: "a pupil's access to their own records" } },
    },
    system: {
      journal: { read: ['all'], write: ['all'] },
      reportCard: { read: ['all'] },
      personalData: { read: [], fields: [], purpose: { required: true } },
    },
  },
  bulkGuard: { maxPeoplePerDay: 500, maxClassesPerDay: 1, utcOffsetMinutes: 300, approverRoles: ['director', 'deputyDirector', 'auditor'] },
  dataOperators: ['director', 'deputyDirector', 'system'],
});

// --- facts ------------------------------------------------------------------------------

/**
 * The facts a decision needs, by opaque id only: who leads and teaches which class (from the
 * class streams: {@link accessFactsProjection}), which pupils each class has had, and the
 * pupil–parent links (from the people records, as ids).
 */
export type AccessFacts = {
  readonly classTeachers: ReadonlyMap<ClassId, StaffId>;
  /** class → the teachers of its subjects. */
  readonly teachers: ReadonlyMap<ClassId, ReadonlyArray<StaffId>>;
  /** class → every pupil ever enrolled. */
  readonly pupils: ReadonlyMap<ClassId, ReadonlyArray<PupilId>>;
  /** parent → their children. */
  readonly children: ReadonlyMap<Id, ReadonlyArray<PupilId>>;
};

export const noAccessFacts = (): AccessFacts => ({ classTeachers: new Map(), teachers: new Map(), pupils: new Map(), children: new Map() });

export const FamilyLinkCodec = t.readonly(t.strict({ parentId: IdCodec, childId: IdCodec }), 'FamilyLink');
export type FamilyLink = t.TypeOf<typeof FamilyLinkCodec>;

/** The facts with pupil–parent links added. */
export const withFamilyLinks = (facts: AccessFacts, links: ReadonlyArray<FamilyLink>): AccessFacts => {
  const children = new Map(facts.children);
  for (const { parentId, childId } of links) {
    const known = children.get(parentId) ?? [];
    if (!known.includes(childId)) children.set(parentId, [...known, childId]);
  }
  return { ...facts, children };
};

// --- requests, grants, refusals -------------------------------------------------------------

/**
 * A read: of what, in which classes, of whom, which kinds of personal data (none: the
 * pseudonymized view), and for what purpose. `personIds: 'wholeClasses'` reads every pupil the
 * classes have had.
 */
export type ReadRequest = {
  readonly resource: AccessedResource;
  readonly classIds: ReadonlyArray<ClassId>;
  readonly personIds: ReadonlyArray<Id> | 'wholeClasses';
  readonly fields: ReadonlyArray<PersonalField>;
  readonly purpose?: string;
};

export const ReadRequestCodec = t.intersection(
  [
    t.type({
      resource: AccessedResourceCodec,
      classIds: t.readonlyArray(IdCodec),
      personIds: t.union([t.literal('wholeClasses'), t.readonlyArray(IdCodec)]),
      fields: t.readonlyArray(PersonalFieldCodec),
    }),
    t.partial({ purpose: t.string }),
  ],
  'ReadRequest',
);

/** What a read may return: these people's rows in these classes, these kinds of personal data (none: pseudonymized). */
export type Grant = {
  readonly actor: Actor;
  readonly resource: AccessedResource;
  readonly classIds: ReadonlyArray<ClassId>;
  /** The people whose rows (and, if `fields` is not empty, personal data) the read may return. */
  readonly personIds: ReadonlyArray<Id>;
  readonly fields: ReadonlyArray<PersonalField>;
  /** True when the read discloses personal data: it must be recorded, and the bulk guard applies. */
  readonly identified: boolean;
  /** The stated or implied purpose (null for a pseudonymized read). */
  readonly purpose: string | null;
};

export type AccessRefusalReason = 'outOfScope' | 'fieldsNotAllowed' | 'purposeRequired' | 'unknownRole';

/** A read refused: who (actor and role), what (the resource) and why. */
export type AccessRefused = {
  readonly kind: 'AccessRefused';
  readonly actor: Actor;
  readonly role: ActorRole;
  readonly resource: string;
  readonly reason: AccessRefusalReason;
  /** The classes, people or fields that were out of reach. */
  readonly denied: ReadonlyArray<string>;
  readonly message: string;
};

const describeResource = (request: ReadRequest): string => {
  const what = request.resource === 'personalRecord' ? 'the personal records' : request.resource === 'reportCard' ? 'the report cards' : request.resource === 'export' ? 'an export' : 'the journal';
  const classes = request.classIds.length === 0 ? '' : ` of class${request.classIds.length > 1 ? 'es' : ''} ${request.classIds.join(', ')}`;
  const people =
    request.personIds === 'wholeClasses'
      ? ''
      : request.personIds.length <= 5
        ? ` for ${request.personIds.join(', ')}`
        : ` for ${request.personIds.length} people`;
  return `${what}${classes}${people}${request.fields.length > 0 ? ` with ${request.fields.join(', ')}` : ''}`;
};

const refused = (actor: Actor, request: ReadRequest, reason: AccessRefusalReason, denied: ReadonlyArray<string>, why: string): E.Either<AccessRefused, never> => {
  const resource = describeResource(request);
  return E.left({ kind: 'AccessRefused', actor, role: actor.role, resource, reason, denied, message: `${actor.role} ${actor.id} may not read ${resource}: ${why}` });
};

/** The classes and people a list of scopes reaches for an actor. */
type Reach = { readonly all: boolean; readonly classes: ReadonlySet<ClassId>; readonly people: ReadonlySet<Id> };

const reachOf = (scopeList: ReadonlyArray<Scope>, actor: Actor, facts: AccessFacts): Reach => {
  if (scopeList.includes('all')) return { all: true, classes: new Set(), people: new Set() };
  const classes = new Set<ClassId>();
  const people = new Set<Id>();
  const addClass = (classId: ClassId, withParents: boolean) => {
    classes.add(classId);
    for (const pupilId of facts.pupils.get(classId) ?? []) people.add(pupilId);
    if (withParents) for (const [parentId, kids] of facts.children) if (kids.some((k) => facts.pupils.get(classId)?.includes(k))) people.add(parentId);
  };
  if (scopeList.includes('self')) people.add(actor.id);
  if (scopeList.includes('ownChildren')) for (const child of facts.children.get(actor.id) ?? []) people.add(child);
  if (scopeList.includes('ownClass')) for (const [classId, teacherId] of facts.classTeachers) if (teacherId === actor.id) addClass(classId, true);
  if (scopeList.includes('taughtClasses')) for (const [classId, teacherIds] of facts.teachers) if (teacherIds.includes(actor.id)) addClass(classId, false);
  return { all: false, classes, people };
};

const scopesFor = (role: RolePolicy, resource: AccessedResource): ReadonlyArray<Scope> =>
  resource === 'reportCard' ? role.reportCard.read : resource === 'personalRecord' ? role.personalData.read : role.journal.read;

/**
 * Decides a read under a policy and the facts: a {@link Grant} naming exactly what the read may
 * return, or an {@link AccessRefused}. A parent reaches only their children, a pupil only
 * themself, a teacher the classes they teach or lead; personal data needs its own permission,
 * only the kinds of data the role may see, and a purpose where the role must state one.
 */
export const authorizeRead = (policy: AccessPolicy, actor: Actor, request: ReadRequest, facts: AccessFacts): E.Either<AccessRefused, Grant> => {
  const role = (policy.roles as Record<string, RolePolicy | undefined>)[actor.role];
  if (role === undefined) return refused(actor, request, 'unknownRole', [actor.role], `the policy has no role ${actor.role}`);
  const reach = reachOf(scopesFor(role, request.resource), actor, facts);

  // Classes: each must be within reach, unless the read names only people who are.
  const personIds =
    request.personIds === 'wholeClasses' ? [...new Set(request.classIds.flatMap((c) => facts.pupils.get(c) ?? []))] : [...new Set(request.personIds)];
  const classesOut = reach.all ? [] : request.classIds.filter((c) => !reach.classes.has(c));
  if (classesOut.length > 0 && (request.personIds === 'wholeClasses' || personIds.length === 0))
    return refused(actor, request, 'outOfScope', classesOut, `class${classesOut.length > 1 ? 'es' : ''} ${classesOut.join(', ')} ${classesOut.length > 1 ? 'are' : 'is'} outside the role's reach`);
  const peopleOut = reach.all ? [] : personIds.filter((p) => !reach.people.has(p));
  if (peopleOut.length > 0) return refused(actor, request, 'outOfScope', peopleOut, `${peopleOut.slice(0, 5).join(', ')}${peopleOut.length > 5 ? ` and ${peopleOut.length - 5} more` : ''} outside the role's reach`);

  const fields = [...new Set(request.fields)];
  if (fields.length === 0) return E.right({ actor, resource: request.resource, classIds: request.classIds, personIds, fields, identified: false, purpose: null });

  // Personal data: its own reach, the allowed kinds of data, a purpose.
  const personal = reachOf(role.personalData.read, actor, facts);
  const personalOut = personal.all ? [] : personIds.filter((p) => !personal.people.has(p));
  if (personalOut.length > 0)
    return refused(actor, request, 'outOfScope', personalOut, `the personal data of ${personalOut.slice(0, 5).join(', ')}${personalOut.length > 5 ? ` and ${personalOut.length - 5} more` : ''} is outside the role's reach`);
  const fieldsOut = fields.filter((f) => !role.personalData.fields.includes(f));
  if (fieldsOut.length > 0) return refused(actor, request, 'fieldsNotAllowed', fieldsOut, `the role may not see ${fieldsOut.join(', ')}`);
  const stated = request.purpose?.trim() ?? '';
  const rule = role.personalData.purpose;
  if (rule.required && stated === '') return refused(actor, request, 'purposeRequired', [], 'personal data is read only for a stated purpose');
  const purpose = stated !== '' ? stated : rule.required ? stated : rule.implied;
  return E.right({ actor, resource: request.resource, classIds: request.classIds, personIds, fields, identified: true, purpose });
};

/** A write to a class journal refused by the policy: who (actor and role), which journal, and the role's write scopes. */
export type WriteRefused = {
  readonly kind: 'WriteRefused';
  readonly actor: Actor;
  readonly role: ActorRole;
  readonly resource: string;
  /** The role's `journal.write` scopes under the policy (empty: the role writes to no journal). */
  readonly scopes: ReadonlyArray<Scope>;
  readonly message: string;
};

/**
 * What a class journal knows of who leads and who teaches it: enough to decide a write. The
 * class journal's decider takes these from its own state (the class teacher and the current
 * teacher of each subject); {@link authorizeWrite} takes them from the {@link AccessFacts}.
 * A class not opened yet has neither: only the `all` scope reaches it.
 */
export type JournalWriteFacts = {
  readonly classId: ClassId;
  readonly classTeacherId: StaffId | undefined;
  readonly teacherIds: ReadonlyArray<StaffId>;
};

export const journalWriteFactsOf = (facts: AccessFacts, classId: ClassId): JournalWriteFacts => ({
  classId,
  classTeacherId: facts.classTeachers.get(classId),
  teacherIds: facts.teachers.get(classId) ?? [],
});

/** `self` and `ownChildren` reach people, not classes: they never grant a journal write. */
const writeScopeReaches = (scope: Scope, actor: Actor, facts: JournalWriteFacts): boolean => {
  switch (scope) {
    case 'all':
      return true;
    case 'ownClass':
      return facts.classTeacherId === actor.id;
    case 'taughtClasses':
      return facts.teacherIds.includes(actor.id);
    case 'self':
    case 'ownChildren':
      return false;
  }
};

const describeScopes = (scopes: ReadonlyArray<Scope>): string => (scopes.length === 0 ? 'none' : scopes.join(', '));

/**
 * Whether the policy lets an actor write to a class's journal at all: one of the role's
 * `journal.write` scopes must reach the class. The class journal's decider asks this first,
 * then checks its finer rules (only the subject's own teacher marks it; reasons; overrides).
 */
export const authorizeJournalWrite = (policy: AccessPolicy, actor: Actor, facts: JournalWriteFacts): E.Either<WriteRefused, ClassId> => {
  const role = (policy.roles as Record<string, RolePolicy | undefined>)[actor.role];
  const scopes = role?.journal.write ?? [];
  if (scopes.some((scope) => writeScopeReaches(scope, actor, facts))) return E.right(facts.classId);
  const resource = `the journal of class ${facts.classId}`;
  const why = role === undefined ? `the policy has no role ${actor.role}` : `the role's journal write scopes (${describeScopes(scopes)}) do not reach it`;
  return E.left({ kind: 'WriteRefused', actor, role: actor.role, resource, scopes, message: `${actor.role} ${actor.id} may not write to ${resource}: ${why}` });
};

/** {@link authorizeJournalWrite} with the class's facts taken from the school's {@link AccessFacts}. */
export const authorizeWrite = (policy: AccessPolicy, actor: Actor, classId: ClassId, facts: AccessFacts): E.Either<WriteRefused, ClassId> =>
  authorizeJournalWrite(policy, actor, journalWriteFactsOf(facts, classId));
