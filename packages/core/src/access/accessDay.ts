import * as E from 'fp-ts/Either';
import * as t from 'io-ts';
import type { Command } from '../commandHandling/command';
import type { Decider } from '../decider/decider';
import { unknownCommandType } from '../decider/commandType';
import type { Actor } from '../events/metadata';
import {
  BulkAccessApproved,
  BulkAccessRequested,
  PersonalDataRead,
  type BulkAccessRequestedData,
  type PersonalDataReadData,
} from '../events/people';
import type { EventPayload, LedgerEvent } from '../events/registry';
import { formatIssues, validationIssues, type ValidationIssue } from '../events/validationIssues';
import type { Instant } from '../primitives/instant';
import type { LocalDate } from '../primitives/localDate';
import type { BulkGuardPolicy } from './policy';

/*
 * The bulk-access guard, as the decider of one school day's access stream
 * (`access-<schoolId>-<day>`). Every read of personal data is recorded there before it runs;
 * the stream is the consistency boundary that lets the guard count what each actor has read
 * that day. A read that would take an actor above the day's threshold runs only under a
 * bulk-access request approved by a second actor of another role (four eyes); each approval
 * covers one read.
 */

/** The stream of one school's accesses on one school day. */
export const accessStreamId = (schoolId: string, day: LocalDate): string => `access-${schoolId}-${day}`;

/** The school day of an instant, at `utcOffsetMinutes` from UTC (pure arithmetic: no clock, no time zone database). */
export const schoolDayOf = (instant: Instant, utcOffsetMinutes: number): LocalDate => {
  const ms = Date.parse(instant) + utcOffsetMinutes * 60_000;
  return new Date(ms).toISOString().slice(0, 10);
};

export type RecordPersonalDataRead = Command<'RecordPersonalDataRead', PersonalDataReadData>;
export type RequestBulkAccess = Command<'RequestBulkAccess', BulkAccessRequestedData>;
export type ApproveBulkAccess = Command<'ApproveBulkAccess', { readonly requestId: string }>;
export type DeclineBulkAccess = Command<'DeclineBulkAccess', { readonly requestId: string }>;
export type AccessDayCommand = RecordPersonalDataRead | RequestBulkAccess | ApproveBulkAccess | DeclineBulkAccess;

export type BulkRequestStatus = 'requested' | 'approved' | 'declined' | 'used';

export type BulkRequestState = {
  readonly request: BulkAccessRequestedData;
  readonly requestedBy: Actor;
  readonly status: BulkRequestStatus;
  readonly decidedBy: Actor | null;
};

/** What one actor read that day without an approval: the guard's running totals. */
export type DailyTotals = { readonly people: ReadonlySet<string>; readonly classes: ReadonlySet<string> };

export type AccessDayState = {
  readonly accessIds: ReadonlySet<string>;
  readonly totals: ReadonlyMap<string, DailyTotals>;
  readonly requests: ReadonlyMap<string, BulkRequestState>;
};

export type AccessDayError =
  | { readonly kind: 'InvalidCommand'; readonly commandType: string; readonly issues: ReadonlyArray<ValidationIssue>; readonly message: string }
  | { readonly kind: 'WrongDay'; readonly day: string; readonly expected: string; readonly message: string }
  | { readonly kind: 'AccessAlreadyRecorded'; readonly accessId: string; readonly message: string }
  | { readonly kind: 'NothingPersonal'; readonly accessId: string; readonly message: string }
  | { readonly kind: 'PersonCountMismatch'; readonly personCount: number; readonly listed: number; readonly message: string }
  | {
      readonly kind: 'BulkAccessNotApproved';
      readonly actor: Actor;
      readonly people: number;
      readonly classes: number;
      readonly maxPeoplePerDay: number;
      readonly maxClassesPerDay: number;
      readonly message: string;
    }
  | { readonly kind: 'BulkRequestNotFound'; readonly requestId: string; readonly message: string }
  | { readonly kind: 'BulkRequestAlreadyExists'; readonly requestId: string; readonly message: string }
  | { readonly kind: 'BulkRequestNotUsable'; readonly requestId: string; readonly status: BulkRequestStatus; readonly message: string }
  | { readonly kind: 'BulkRequestOfAnotherActor'; readonly requestId: string; readonly requestedBy: Actor; readonly actor: Actor; readonly message: string }
  | { readonly kind: 'ReadExceedsApproval'; readonly requestId: string; readonly field: string; readonly value: unknown; readonly message: string }
  | { readonly kind: 'FourEyesViolation'; readonly requestId: string; readonly requestedBy: Actor; readonly actor: Actor; readonly message: string }
  | { readonly kind: 'NotEntitled'; readonly actor: Actor; readonly action: string; readonly resource: string; readonly message: string }
  | { readonly kind: 'ReasonRequired'; readonly action: string; readonly message: string };

export const initialAccessDayState = (): AccessDayState => ({ accessIds: new Set(), totals: new Map(), requests: new Map() });

const decode = <A>(codec: t.Type<A, unknown, unknown>, command: AccessDayCommand): E.Either<AccessDayError, A> => {
  const decoded = codec.decode(command.data);
  if (E.isRight(decoded)) return decoded;
  const issues = validationIssues(decoded.left).map((i) => ({ ...i, path: i.path === '(root)' ? 'data' : `data.${i.path}` }));
  return E.left({ kind: 'InvalidCommand', commandType: command.type, issues, message: `${command.type}: ${formatIssues(issues)}` });
};

const union = (a: ReadonlySet<string>, b: ReadonlyArray<string>): ReadonlySet<string> => {
  if (b.every((x) => a.has(x))) return a;
  const out = new Set(a);
  for (const x of b) out.add(x);
  return out;
};

const emptyTotals: DailyTotals = { people: new Set(), classes: new Set() };

/** The guard's totals for an actor after one more unapproved read. */
export const totalsAfter = (totals: DailyTotals, read: Pick<PersonalDataReadData, 'personIds' | 'classIds'>): DailyTotals => ({
  people: union(totals.people, read.personIds),
  classes: union(totals.classes, read.classIds),
});

/** True when totals are above the guard's threshold: such a read needs an approval. */
export const isBulk = (guard: BulkGuardPolicy, totals: DailyTotals): boolean =>
  totals.people.size > guard.maxPeoplePerDay || totals.classes.size > guard.maxClassesPerDay;

const same = (a: Actor, b: Actor): boolean => a.id === b.id && a.role === b.role;

const checkDay = (guard: BulkGuardPolicy, command: AccessDayCommand, day: string): E.Either<AccessDayError, void> => {
  const expected = schoolDayOf(command.metadata.occurredAt, guard.utcOffsetMinutes);
  return day === expected ? E.right(undefined) : E.left({ kind: 'WrongDay', day, expected, message: `day ${day}: the command happened on school day ${expected}` });
};

const decideRead = (guard: BulkGuardPolicy, command: RecordPersonalDataRead, state: AccessDayState): E.Either<AccessDayError, ReadonlyArray<EventPayload>> => {
  const decoded = decode(PersonalDataRead.data, command);
  if (E.isLeft(decoded)) return decoded;
  const read = decoded.right;
  const actor = command.metadata.actor;
  const day = checkDay(guard, command, read.day);
  if (E.isLeft(day)) return day;
  if (state.accessIds.has(read.accessId)) return E.left({ kind: 'AccessAlreadyRecorded', accessId: read.accessId, message: `access ${read.accessId} is already recorded` });
  if (read.fields.length === 0)
    return E.left({ kind: 'NothingPersonal', accessId: read.accessId, message: `access ${read.accessId} reads no personal data: a pseudonymized read is not recorded` });
  const listed = new Set(read.personIds).size;
  if (listed !== read.personCount || listed !== read.personIds.length)
    return E.left({ kind: 'PersonCountMismatch', personCount: read.personCount, listed: read.personIds.length, message: `personCount ${read.personCount}: the read lists ${read.personIds.length} ids, ${listed} distinct` });
  const payload: ReadonlyArray<EventPayload> = [{ type: 'PersonalDataRead', data: read }];

  if (read.bulkRequestId === undefined) {
    const after = totalsAfter(state.totals.get(actor.id) ?? emptyTotals, read);
    if (!isBulk(guard, after)) return E.right(payload);
    return E.left({
      kind: 'BulkAccessNotApproved',
      actor,
      people: after.people.size,
      classes: after.classes.size,
      maxPeoplePerDay: guard.maxPeoplePerDay,
      maxClassesPerDay: guard.maxClassesPerDay,
      message:
        `${actor.role} ${actor.id} would read personal data of ${after.people.size} people in ${after.classes.size} classes on ${read.day}, ` +
        `above the limit of ${guard.maxPeoplePerDay} people and ${guard.maxClassesPerDay} classes a day: ` +
        'a bulk read needs a bulk-access request approved by a second actor of another role; nothing was read',
    });
  }
  const found = state.requests.get(read.bulkRequestId);
  if (found === undefined) return E.left({ kind: 'BulkRequestNotFound', requestId: read.bulkRequestId, message: `bulk-access request ${read.bulkRequestId} is not in ${read.day}'s access stream` });
  if (!same(found.requestedBy, actor))
    return E.left({ kind: 'BulkRequestOfAnotherActor', requestId: read.bulkRequestId, requestedBy: found.requestedBy, actor, message: `bulk-access request ${read.bulkRequestId} was made by ${found.requestedBy.role} ${found.requestedBy.id}, not ${actor.role} ${actor.id}` });
  if (found.status !== 'approved')
    return E.left({ kind: 'BulkRequestNotUsable', requestId: read.bulkRequestId, status: found.status, message: `bulk-access request ${read.bulkRequestId} is ${found.status === 'requested' ? 'not approved yet' : found.status === 'used' ? 'already used: an approval covers one read' : 'declined'}` });
  const request = found.request;
  const exceeds = (field: string, value: unknown, why: string): E.Either<AccessDayError, never> =>
    E.left({ kind: 'ReadExceedsApproval', requestId: request.requestId, field, value, message: `${field} ${JSON.stringify(value)}: ${why} (bulk-access request ${request.requestId})` });
  if (read.resource !== request.resource) return exceeds('resource', read.resource, `the approval is for ${request.resource}`);
  if (read.personCount > request.personCount) return exceeds('personCount', read.personCount, `the approval covers at most ${request.personCount} people`);
  const classesOut = read.classIds.filter((c) => !request.classIds.includes(c));
  if (classesOut.length > 0) return exceeds('classIds', classesOut, 'classes the approval does not cover');
  const fieldsOut = read.fields.filter((f) => !request.fields.includes(f));
  if (fieldsOut.length > 0) return exceeds('fields', fieldsOut, 'kinds of data the approval does not cover');
  if (read.purpose !== request.purpose) return exceeds('purpose', read.purpose, `the approval is for the purpose ${JSON.stringify(request.purpose)}`);
  return E.right(payload);
};

const decideRequest = (guard: BulkGuardPolicy, command: RequestBulkAccess, state: AccessDayState): E.Either<AccessDayError, ReadonlyArray<EventPayload>> => {
  const decoded = decode(BulkAccessRequested.data, command);
  if (E.isLeft(decoded)) return decoded;
  const day = checkDay(guard, command, decoded.right.day);
  if (E.isLeft(day)) return day;
  if (state.requests.has(decoded.right.requestId))
    return E.left({ kind: 'BulkRequestAlreadyExists', requestId: decoded.right.requestId, message: `bulk-access request ${decoded.right.requestId} already exists` });
  if (decoded.right.fields.length === 0)
    return E.left({ kind: 'NothingPersonal', accessId: decoded.right.requestId, message: `bulk-access request ${decoded.right.requestId} asks for no personal data: pseudonymized reads need no approval` });
  return E.right([{ type: 'BulkAccessRequested', data: decoded.right }]);
};

const decideDecision = (guard: BulkGuardPolicy, command: ApproveBulkAccess | DeclineBulkAccess, state: AccessDayState): E.Either<AccessDayError, ReadonlyArray<EventPayload>> => {
  const decoded = decode(BulkAccessApproved.data, command);
  if (E.isLeft(decoded)) return decoded;
  const requestId = decoded.right.requestId;
  const actor = command.metadata.actor;
  const action = command.type === 'ApproveBulkAccess' ? 'approve' : 'decline';
  const found = state.requests.get(requestId);
  if (found === undefined) return E.left({ kind: 'BulkRequestNotFound', requestId, message: `bulk-access request ${requestId} is not in this day's access stream` });
  if (!guard.approverRoles.includes(actor.role))
    return E.left({ kind: 'NotEntitled', actor, action: `${action} bulk access`, resource: `bulk-access request ${requestId}`, message: `${actor.role} ${actor.id} may not ${action} bulk access (approvers: ${guard.approverRoles.join(', ')})` });
  if (actor.id === found.requestedBy.id || actor.role === found.requestedBy.role)
    return E.left({
      kind: 'FourEyesViolation',
      requestId,
      requestedBy: found.requestedBy,
      actor,
      message: `${actor.role} ${actor.id} may not ${action} bulk-access request ${requestId} of ${found.requestedBy.role} ${found.requestedBy.id}: it takes a second actor of another role`,
    });
  if (found.status !== 'requested') return E.left({ kind: 'BulkRequestNotUsable', requestId, status: found.status, message: `bulk-access request ${requestId} is already ${found.status}` });
  if (command.type === 'DeclineBulkAccess') {
    if ((command.metadata.reason ?? '').trim() === '') return E.left({ kind: 'ReasonRequired', action: 'decline bulk access', message: 'declining a bulk-access request needs a reason' });
    return E.right([{ type: 'BulkAccessDeclined', data: { requestId } }]);
  }
  return E.right([{ type: 'BulkAccessApproved', data: { requestId } }]);
};

const setRequest = (state: AccessDayState, requestId: string, update: (r: BulkRequestState) => BulkRequestState): AccessDayState => {
  const found = state.requests.get(requestId);
  return found === undefined ? state : { ...state, requests: new Map(state.requests).set(requestId, update(found)) };
};

export const evolveAccessDay = (state: AccessDayState, event: LedgerEvent): AccessDayState => {
  switch (event.type) {
    case 'PersonalDataRead': {
      const read = event.data;
      const accessIds = new Set(state.accessIds).add(read.accessId);
      if (read.bulkRequestId !== undefined) return setRequest({ ...state, accessIds }, read.bulkRequestId, (r) => ({ ...r, status: 'used' }));
      const actorId = event.metadata.actor.id;
      return { ...state, accessIds, totals: new Map(state.totals).set(actorId, totalsAfter(state.totals.get(actorId) ?? emptyTotals, read)) };
    }
    case 'BulkAccessRequested':
      return {
        ...state,
        requests: new Map(state.requests).set(event.data.requestId, { request: event.data, requestedBy: event.metadata.actor, status: 'requested', decidedBy: null }),
      };
    case 'BulkAccessApproved':
      return setRequest(state, event.data.requestId, (r) => ({ ...r, status: 'approved', decidedBy: event.metadata.actor }));
    case 'BulkAccessDeclined':
      return setRequest(state, event.data.requestId, (r) => ({ ...r, status: 'declined', decidedBy: event.metadata.actor }));
    default:
      return state;
  }
};

/** The decider of a school day's access stream, under the policy's bulk guard. */
export const accessDayDecider = (guard: BulkGuardPolicy): Decider<AccessDayState, AccessDayCommand, EventPayload, LedgerEvent, AccessDayError> => ({
  decide: (command, state) => {
    switch (command.type) {
      case 'RecordPersonalDataRead':
        return decideRead(guard, command, state);
      case 'RequestBulkAccess':
        return decideRequest(guard, command, state);
      case 'ApproveBulkAccess':
      case 'DeclineBulkAccess':
        return decideDecision(guard, command, state);
      default:
        // A command from outside TypeScript (JSON) may carry any type.
        return E.left(unknownCommandType((command as { readonly type: unknown }).type, ['RecordPersonalDataRead', 'RequestBulkAccess', 'ApproveBulkAccess', 'DeclineBulkAccess']));
    }
  },
  evolve: evolveAccessDay,
  initialState: initialAccessDayState,
});
