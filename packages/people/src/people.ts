import { randomUUID } from 'node:crypto';
import * as E from 'fp-ts/Either';
import {
  accessDayDecider,
  accessStreamId,
  authorizeRead,
  commandHandler,
  defaultAccessPolicy,
  personalDataDecider,
  personStreamId,
  schoolDayOf,
  type AccessDayError,
  type AccessedResource,
  type AccessFacts,
  type AccessPolicy,
  type AccessRefused,
  type Actor,
  type CommandHandlerError,
  type EventStore,
  type FamilyLink,
  type Grant,
  type Instant,
  type PersonalDataCommand,
  type PersonalDataError,
  type PersonalDataReadData,
  type PersonalDataStatus,
  type PersonalField,
  type ReadRequest,
} from '@grade-ledger/core';
import type { KeyLookup, KeyStore, KeyStoreError } from './keyStore';
import { pseudonymOf } from './pseudonym';
import { decodePersonalRecord, disclose, type DisclosedFields, type InvalidRecord, type PersonKind } from './record';
import type { RecordStore, RecordStoreError, StoredPerson } from './recordStore';
import { generateDataKey, seal, unseal, type DecryptionFailed } from './seal';

/*
 * The people module: personal records encrypted per person beside the ledger, and every
 * operation on them recorded in the ledger through the store port. A read of personal data is
 * authorized by the access policy, recorded (and checked by the bulk guard) in the day's access
 * stream, and only then decrypted. Forgetting records the act, then destroys the person's key:
 * one key, whatever the length of the history.
 */

export type PeopleOptions = {
  readonly store: EventStore;
  readonly keys: KeyStore;
  readonly records: RecordStore;
  /** The clock port: when an operation happens (and so which school day's stream a read goes to). */
  readonly clock: () => Instant;
  /** The school whose access streams (`access-<schoolId>-<day>`) the reads go to. */
  readonly schoolId: string;
  readonly policy?: AccessPolicy;
  /** A secret for keyed pseudonyms (see pseudonym.ts); default: unkeyed. */
  readonly pseudonymSecret?: Buffer;
};

/** What a read returns for one person. */
export type PersonView =
  | { readonly status: 'identified'; readonly personId: string; readonly kind: PersonKind; readonly pseudonym: string; readonly data: DisclosedFields }
  | { readonly status: 'pseudonymized'; readonly personId: string; readonly pseudonym: string }
  | { readonly status: 'blocked'; readonly personId: string; readonly pseudonym: string }
  | { readonly status: 'depersonalised'; readonly personId: string; readonly pseudonym: string; readonly kind: PersonKind; readonly birthYear: number | null }
  /** Forgotten: the key is destroyed; nothing about the person can be decrypted again. */
  | { readonly status: 'forgotten'; readonly personId: string; readonly pseudonym: string }
  | { readonly status: 'unknown'; readonly personId: string; readonly pseudonym: string };

export type PersonalDataReadResult = {
  readonly grant: Grant;
  /** The recorded access's id; null for a pseudonymized read, which is not recorded. */
  readonly accessId: string | null;
  readonly people: ReadonlyMap<string, PersonView>;
};

export type NotEntitled = { readonly kind: 'NotEntitled'; readonly actor: Actor; readonly action: string; readonly resource: string; readonly message: string };

export type PeopleError =
  | AccessRefused
  | CommandHandlerError<AccessDayError>
  | CommandHandlerError<PersonalDataError>
  | KeyStoreError
  | RecordStoreError
  | InvalidRecord
  | DecryptionFailed
  | NotEntitled;

export type PersonalDataOperation = {
  readonly personId: string;
  readonly actor: Actor;
  readonly reason: string;
  readonly legalBasis: string;
  /**
   * Re-sending the same command id records nothing twice. Default: a random one. Never built from
   * the person id: command ids go into events' metadata, which a pseudonymized archive keeps as
   * they are, so such an id would tie the pseudonym to the person. Forgetting and depersonalising
   * are safe to repeat without it: a second call finds the status recorded and completes the rest.
   */
  readonly commandId?: string;
};

export type BulkAccessRequest = {
  readonly requestId?: string;
  readonly resource: AccessedResource;
  readonly classIds: ReadonlyArray<string>;
  readonly personCount: number;
  readonly fields: ReadonlyArray<PersonalField>;
  readonly purpose: string;
};

export const people = (options: PeopleOptions) => {
  const { store, keys, records, clock, schoolId } = options;
  const policy = options.policy ?? defaultAccessPolicy();
  const access = commandHandler(accessDayDecider(policy.bulkGuard), { store, clock });
  const personal = commandHandler(personalDataDecider(policy.dataOperators), { store, clock });
  const pseudonym = (personId: string, kind?: string): string =>
    pseudonymOf(personId, { ...(kind === undefined ? {} : { kind }), ...(options.pseudonymSecret === undefined ? {} : { secret: options.pseudonymSecret }) });
  const today = (at: Instant): string => schoolDayOf(at, policy.bulkGuard.utcOffsetMinutes);

  /** What the person's stream says of their data (O(1): the stream holds only these operations). */
  const statusInLedger = async (personId: string): Promise<E.Either<PeopleError, PersonalDataStatus>> => {
    const stream = await store.readStream(personStreamId(personId));
    if (E.isLeft(stream)) return stream;
    const decider = personalDataDecider(policy.dataOperators);
    return E.right(stream.right.events.reduce((state, r) => decider.evolve(state, r.event), decider.initialState()).status);
  };

  /** Stores (or replaces) a person's record, sealed under the person's key; a forgotten person cannot come back. */
  const register = async (input: unknown, actor: Actor): Promise<E.Either<PeopleError, StoredPerson>> => {
    const record = decodePersonalRecord(input);
    if (E.isLeft(record)) return record;
    const { personId, kind } = record.right;
    if (!policy.dataOperators.includes(actor.role))
      return E.left({ kind: 'NotEntitled', actor, action: 'register personal data', resource: `person ${personId}`, message: `${actor.role} ${actor.id} may not register the personal data of ${personId}` });
    const found = await keys.get(personId);
    if (E.isLeft(found)) return found;
    let key;
    if (found.right.status === 'present') key = found.right.key;
    else if (found.right.status === 'destroyed') return E.left({ kind: 'KeyDestroyed', personId, message: `${personId} is forgotten: their personal data cannot be stored again under this id` });
    else {
      key = generateDataKey(personId);
      const put = await keys.put(key);
      if (E.isLeft(put)) return put;
    }
    // The status is the ledger's (the person's stream), not the record store's copy: a person
    // blocked before their record was first stored, or whose blocking was interrupted before the
    // copy was updated, stays blocked.
    const ledgerStatus = await statusInLedger(personId);
    if (E.isLeft(ledgerStatus)) return ledgerStatus;
    const existing = await records.get(personId);
    if (E.isLeft(existing)) return existing;
    const stored = existing.right?.status ?? 'active';
    const status = stored === 'forgotten' || stored === 'depersonalised' ? stored : ledgerStatus.right;
    if (status === 'forgotten' || status === 'depersonalised')
      return E.left({ kind: 'KeyDestroyed', personId, message: `${personId} is ${status}: their personal data cannot be stored again under this id` });
    const person: StoredPerson = { personId, kind, status, sealed: seal(record.right, key), remainder: null };
    const put = await records.put(person);
    return E.isLeft(put) ? put : E.right(person);
  };

  /** What a read shows of one person, from their stored record and (for an identified read of an active person) their key. */
  const viewOf = (personId: string, person: StoredPerson | undefined, grant: Grant, key: KeyLookup | undefined): E.Either<PeopleError, PersonView> => {
    if (person === undefined) return E.right({ status: 'unknown', personId, pseudonym: pseudonym(personId) });
    const shown = pseudonym(personId, person.kind);
    switch (person.status) {
      case 'forgotten':
        return E.right({ status: 'forgotten', personId, pseudonym: shown });
      case 'depersonalised':
        return E.right({ status: 'depersonalised', personId, pseudonym: shown, kind: person.kind, birthYear: person.remainder?.birthYear ?? null });
      case 'blocked':
        return E.right({ status: 'blocked', personId, pseudonym: shown });
      case 'active':
        break;
    }
    if (!grant.identified || person.sealed === null) return E.right({ status: 'pseudonymized', personId, pseudonym: shown });
    if (key?.status !== 'present') return E.right({ status: 'forgotten', personId, pseudonym: shown });
    const record = unseal(person.sealed, key.key);
    if (E.isLeft(record)) return record;
    return E.right({ status: 'identified', personId, kind: person.kind, pseudonym: shown, data: disclose(record.right, grant.fields) });
  };

  /**
   * Reads people's data under the policy. A read with personal data (`fields` not empty) is
   * recorded in the day's access stream first (the bulk guard may refuse it); nothing is
   * decrypted unless the record is written. A pseudonymized read is neither guarded nor recorded.
   */
  const read = async (
    actor: Actor,
    request: ReadRequest,
    facts: AccessFacts,
    readOptions: { readonly accessId?: string; readonly bulkRequestId?: string } = {},
  ): Promise<E.Either<PeopleError, PersonalDataReadResult>> => {
    const granted = authorizeRead(policy, actor, request, facts);
    if (E.isLeft(granted)) return granted;
    const grant = granted.right;
    let accessId: string | null = null;
    if (grant.identified) {
      accessId = readOptions.accessId ?? `access-${randomUUID()}`;
      const occurredAt = clock();
      const day = today(occurredAt);
      const streamId = accessStreamId(schoolId, day);
      if (readOptions.bulkRequestId !== undefined) {
        const within = await withinBulkRequest(streamId, readOptions.bulkRequestId, grant.personIds, facts);
        if (E.isLeft(within)) return within;
      }
      const data: PersonalDataReadData = {
        accessId,
        day,
        resource: grant.resource,
        classIds: grant.classIds,
        personIds: grant.personIds,
        personCount: grant.personIds.length,
        fields: grant.fields,
        purpose: grant.purpose ?? '',
        ...(readOptions.bulkRequestId === undefined ? {} : { bulkRequestId: readOptions.bulkRequestId }),
      };
      const recorded = await access(streamId, { type: 'RecordPersonalDataRead', data, metadata: { commandId: accessId, actor, occurredAt } });
      if (E.isLeft(recorded)) return recorded;
      // The access id is the command id: found in the stream, the handler records nothing. Only a
      // retry of this very read may go on; anything else would be a read that no record shows.
      if (recorded.right.alreadyHandled) {
        const same = await isRecordedRead(streamId, data, actor);
        if (E.isLeft(same)) return same;
        if (!same.right)
          return E.left({
            kind: 'AccessAlreadyRecorded',
            accessId,
            message: `access id ${accessId} is already recorded in ${streamId} for another read or command: a read of personal data needs an access id of its own; nothing was read`,
          });
      }
    }
    const stored = new Map<string, StoredPerson | undefined>();
    for (const personId of grant.personIds) {
      const found = await records.get(personId);
      if (E.isLeft(found)) return found;
      stored.set(personId, found.right);
    }
    // The keys of everyone to decrypt in one go: one query for a whole school with the PostgreSQL key store.
    const toOpen = grant.identified ? grant.personIds.filter((personId) => stored.get(personId)?.status === 'active' && stored.get(personId)?.sealed != null) : [];
    const keysFound = toOpen.length === 0 ? E.right(new Map<string, KeyLookup>()) : await keys.getMany(toOpen);
    if (E.isLeft(keysFound)) return keysFound;
    const views = new Map<string, PersonView>();
    for (const personId of grant.personIds) {
      const view = viewOf(personId, stored.get(personId), grant, keysFound.right.get(personId));
      if (E.isLeft(view)) return view;
      views.set(personId, view.right);
    }
    return E.right({ grant, accessId, people: views });
  };

  /**
   * A bulk request names classes, not people, and the day's decider, which knows no class's
   * people, checks only that the read names no other class. Here, with the facts: every person a
   * read under the request returns must be of a requested class (a pupil, a pupil's parent, a
   * teacher), however the read names them (with no class at all, or under a requested one). A
   * request that names no class covers any people, up to its count.
   */
  const withinBulkRequest = async (streamId: string, requestId: string, personIds: ReadonlyArray<string>, facts: AccessFacts): Promise<E.Either<PeopleError, void>> => {
    const stream = await store.readStream(streamId);
    if (E.isLeft(stream)) return stream;
    const requested = stream.right.events.find((r) => r.event.type === 'BulkAccessRequested' && r.event.data.requestId === requestId);
    // No such request: the decider refuses the read (BulkRequestNotFound).
    if (requested === undefined || requested.event.type !== 'BulkAccessRequested' || requested.event.data.classIds.length === 0) return E.right(undefined);
    const classIds = requested.event.data.classIds;
    const ofClasses = new Set<string>();
    for (const classId of classIds) {
      for (const pupilId of facts.pupils.get(classId) ?? []) ofClasses.add(pupilId);
      for (const teacherId of facts.teachers.get(classId) ?? []) ofClasses.add(teacherId);
      const classTeacher = facts.classTeachers.get(classId);
      if (classTeacher !== undefined) ofClasses.add(classTeacher);
    }
    for (const [parentId, children] of facts.children) if (children.some((child) => ofClasses.has(child))) ofClasses.add(parentId);
    const outside = personIds.filter((personId) => !ofClasses.has(personId));
    if (outside.length === 0) return E.right(undefined);
    return E.left({
      kind: 'ReadExceedsApproval',
      requestId,
      field: 'personIds',
      value: outside,
      message: `personIds ${JSON.stringify(outside.slice(0, 5))}${outside.length > 5 ? ` and ${outside.length - 5} more` : ''}: not of the classes the approval covers (${classIds.join(', ')}) (bulk-access request ${requestId}); nothing was read`,
    });
  };

  /** Whether the stream records exactly this read, by this actor, under this access id. */
  const isRecordedRead = async (streamId: string, data: PersonalDataReadData, actor: Actor): Promise<E.Either<PeopleError, boolean>> => {
    const stream = await store.readStream(streamId);
    if (E.isLeft(stream)) return stream;
    const found = stream.right.events.find((r) => r.event.type === 'PersonalDataRead' && r.event.data.accessId === data.accessId);
    if (found === undefined || found.event.type !== 'PersonalDataRead') return E.right(false);
    const same = (a: ReadonlyArray<string>, b: ReadonlyArray<string>) => a.length === b.length && a.every((x, i) => x === b[i]);
    const was = found.event.data;
    const by = found.event.metadata.actor;
    return E.right(
      by.id === actor.id &&
        by.role === actor.role &&
        was.day === data.day &&
        was.resource === data.resource &&
        was.purpose === data.purpose &&
        was.bulkRequestId === data.bulkRequestId &&
        same(was.classIds, data.classIds) &&
        same(was.personIds, data.personIds) &&
        same(was.fields, data.fields),
    );
  };

  const recordOperation = async (command: PersonalDataCommand): Promise<E.Either<PeopleError, { readonly alreadyDone: boolean }>> => {
    const handled = await personal(personStreamId(command.data.personId), command);
    if (E.isRight(handled)) return E.right({ alreadyDone: handled.right.alreadyHandled });
    return E.left(handled.left);
  };

  const updateStored = async (personId: string, update: (p: StoredPerson) => StoredPerson): Promise<E.Either<PeopleError, void>> => {
    const found = await records.get(personId);
    if (E.isLeft(found)) return found;
    if (found.right === undefined) return E.right(undefined);
    return records.put(update(found.right));
  };

  const metadataOf = (op: PersonalDataOperation, operation: string) => ({
    commandId: op.commandId ?? `${operation}.${randomUUID()}`,
    actor: op.actor,
    occurredAt: clock(),
    reason: op.reason,
  });

  /**
   * Forgets a person: records PersonalDataForgotten (who, when, why, legal basis) in the
   * person's stream, then destroys the person's key and drops the sealed record. Grades and
   * projections are untouched: they hold the person's id only. Safe to repeat: a forgetting
   * interrupted after it was recorded is completed by calling forget again.
   */
  const forget = async (op: PersonalDataOperation): Promise<E.Either<PeopleError, { readonly alreadyForgotten: boolean }>> => {
    const recorded = await recordOperation({ type: 'ForgetPerson', data: { personId: op.personId, legalBasis: op.legalBasis }, metadata: metadataOf(op, 'forget') });
    const alreadyForgotten = E.isLeft(recorded) && recorded.left.kind === 'NotPossibleInStatus' && recorded.left.status === 'forgotten';
    if (E.isLeft(recorded) && !alreadyForgotten) return recorded;
    const destroyed = await keys.destroy(op.personId);
    if (E.isLeft(destroyed)) return destroyed;
    const updated = await updateStored(op.personId, (p) => ({ ...p, status: 'forgotten', sealed: null, remainder: null }));
    if (E.isLeft(updated)) return updated;
    return E.right({ alreadyForgotten: alreadyForgotten || (E.isRight(recorded) && recorded.right.alreadyDone) });
  };

  /** Depersonalises a person: keeps only the kind and the birth year, destroys the key. */
  const depersonalise = async (op: PersonalDataOperation): Promise<E.Either<PeopleError, void>> => {
    // The birth year is taken before the key goes; this internal decryption discloses nothing.
    const found = await records.get(op.personId);
    if (E.isLeft(found)) return found;
    let birthYear: number | null = null;
    const sealed = found.right?.sealed ?? null;
    if (sealed !== null) {
      const key = await keys.get(op.personId);
      if (E.isLeft(key)) return key;
      if (key.right.status === 'present') {
        const record = unseal(sealed, key.right.key);
        if (E.isRight(record)) birthYear = Number(record.right.birthDate.slice(0, 4));
      }
    }
    const recorded = await recordOperation({ type: 'DepersonalisePersonalData', data: { personId: op.personId, legalBasis: op.legalBasis }, metadata: metadataOf(op, 'depersonalise') });
    // Recorded before (an interrupted depersonalisation called again): complete what is left.
    const already = E.isLeft(recorded) && recorded.left.kind === 'NotPossibleInStatus' && recorded.left.status === 'depersonalised';
    if (E.isLeft(recorded) && !already) return recorded;
    const destroyed = await keys.destroy(op.personId);
    if (E.isLeft(destroyed)) return destroyed;
    return updateStored(op.personId, (p) => (p.status === 'depersonalised' ? p : { ...p, status: 'depersonalised', sealed: null, remainder: birthYear === null ? null : { birthYear } }));
  };

  /** Blocks a person's data: every read shows the pseudonym; the key and the record stay. */
  const block = async (op: PersonalDataOperation): Promise<E.Either<PeopleError, void>> => {
    const recorded = await recordOperation({ type: 'BlockPersonalData', data: { personId: op.personId, legalBasis: op.legalBasis }, metadata: metadataOf(op, 'block') });
    if (E.isLeft(recorded)) {
      // Blocked already: the record store's copy may lag (a blocking interrupted after it was
      // recorded); bring it in line, and still answer that the data was blocked before.
      if (recorded.left.kind === 'NotPossibleInStatus' && recorded.left.status === 'blocked') {
        const updated = await updateStored(op.personId, (p) => (p.status === 'active' ? { ...p, status: 'blocked' } : p));
        if (E.isLeft(updated)) return updated;
      }
      return recorded;
    }
    return updateStored(op.personId, (p) => ({ ...p, status: 'blocked' }));
  };

  const unblock = async (op: Omit<PersonalDataOperation, 'legalBasis'>): Promise<E.Either<PeopleError, void>> => {
    const recorded = await recordOperation({ type: 'UnblockPersonalData', data: { personId: op.personId }, metadata: metadataOf({ ...op, legalBasis: '-' }, 'unblock') });
    if (E.isLeft(recorded)) return recorded;
    return updateStored(op.personId, (p) => ({ ...p, status: 'active' }));
  };

  /** Asks for a bulk read (today's access stream); it runs once a second actor of another role approves. */
  const requestBulkAccess = async (actor: Actor, request: BulkAccessRequest): Promise<E.Either<PeopleError, { readonly requestId: string; readonly day: string }>> => {
    const requestId = request.requestId ?? `bulk-${randomUUID()}`;
    const occurredAt = clock();
    const day = today(occurredAt);
    const handled = await access(accessStreamId(schoolId, day), {
      type: 'RequestBulkAccess',
      data: { requestId, day, resource: request.resource, classIds: request.classIds, personCount: request.personCount, fields: request.fields, purpose: request.purpose },
      metadata: { commandId: `${requestId}.request`, actor, occurredAt },
    });
    return E.isLeft(handled) ? handled : E.right({ requestId, day });
  };

  const decideBulkAccess = async (type: 'ApproveBulkAccess' | 'DeclineBulkAccess', actor: Actor, requestId: string, reason?: string): Promise<E.Either<PeopleError, void>> => {
    const occurredAt = clock();
    const handled = await access(accessStreamId(schoolId, today(occurredAt)), {
      type,
      data: { requestId },
      metadata: { commandId: `${requestId}.${type === 'ApproveBulkAccess' ? 'approve' : 'decline'}`, actor, occurredAt, ...(reason === undefined ? {} : { reason }) },
    });
    return E.isLeft(handled) ? handled : E.right(undefined);
  };

  /**
   * The pupil–parent links, as opaque ids, for the access facts. Decrypts each active record
   * inside the module (no personal data leaves it); forgotten people have no links.
   */
  const familyLinks = async (): Promise<E.Either<PeopleError, ReadonlyArray<FamilyLink>>> => {
    const ids = await records.personIds();
    if (E.isLeft(ids)) return ids;
    const links: FamilyLink[] = [];
    for (const personId of ids.right) {
      const stored = await records.get(personId);
      if (E.isLeft(stored)) return stored;
      const person = stored.right;
      if (person?.sealed == null || person.status !== 'active') continue;
      const key = await keys.get(personId);
      if (E.isLeft(key)) return key;
      if (key.right.status !== 'present') continue;
      const record = unseal(person.sealed, key.right.key);
      if (E.isLeft(record)) return record;
      for (const other of record.right.family)
        links.push(record.right.kind === 'parent' ? { parentId: personId, childId: other } : { parentId: other, childId: personId });
    }
    const seen = new Set<string>();
    return E.right(links.filter((l) => (seen.has(`${l.parentId}>${l.childId}`) ? false : (seen.add(`${l.parentId}>${l.childId}`), true))));
  };

  return {
    policy,
    register,
    read,
    forget,
    depersonalise,
    block,
    unblock,
    requestBulkAccess,
    approveBulkAccess: (actor: Actor, requestId: string) => decideBulkAccess('ApproveBulkAccess', actor, requestId),
    declineBulkAccess: (actor: Actor, requestId: string, reason: string) => decideBulkAccess('DeclineBulkAccess', actor, requestId, reason),
    familyLinks,
    pseudonym,
  };
};

export type People = ReturnType<typeof people>;
