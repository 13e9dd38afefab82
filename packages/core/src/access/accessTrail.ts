import type { RecordedEvent } from '../eventStore/eventStore';
import type { Actor } from '../events/metadata';
import type { AccessedResource, PersonalField } from '../events/people';
import type { LocalDate } from '../primitives/localDate';

/*
 * The access trail: every read of personal data (who, whose, how many, what, why), every
 * bulk-access request with its approval or refusal, and every blocking, depersonalisation and
 * forgetting. A pure fold of the recorded events; `bulkAccesses` lists the bulk reads of a
 * period with the approval each ran under.
 */

export type AccessStamp = {
  readonly eventId: string;
  readonly actor: Actor;
  readonly occurredAt: string;
  readonly recordedAt: string;
  readonly streamId: string;
  readonly globalPosition: number;
};

export type PersonalDataAccess = AccessStamp & {
  readonly accessId: string;
  readonly day: LocalDate;
  readonly resource: AccessedResource;
  readonly classIds: ReadonlyArray<string>;
  readonly personIds: ReadonlyArray<string>;
  readonly personCount: number;
  readonly fields: ReadonlyArray<PersonalField>;
  readonly purpose: string;
  readonly bulkRequestId: string | null;
};

export type BulkRequestDecision = AccessStamp & { readonly decision: 'approved' | 'declined'; readonly reason: string | null };

export type BulkRequestRecord = AccessStamp & {
  readonly requestId: string;
  readonly day: LocalDate;
  readonly resource: AccessedResource;
  readonly classIds: ReadonlyArray<string>;
  readonly personCount: number;
  readonly fields: ReadonlyArray<PersonalField>;
  readonly purpose: string;
  readonly decision: BulkRequestDecision | null;
};

export type PersonalDataOperation = AccessStamp & {
  readonly operation: 'blocked' | 'unblocked' | 'depersonalised' | 'forgotten';
  readonly personId: string;
  readonly legalBasis: string | null;
  readonly reason: string | null;
};

export type AccessTrailState = {
  /** Reads of personal data, in ledger order. */
  readonly reads: ReadonlyArray<PersonalDataAccess>;
  /** Bulk-access requests by `<streamId>/<requestId>` (request ids are unique within a day's stream). */
  readonly requests: ReadonlyMap<string, BulkRequestRecord>;
  readonly operations: ReadonlyArray<PersonalDataOperation>;
};

export const initialAccessTrailState = (): AccessTrailState => ({ reads: [], requests: new Map(), operations: [] });

const stampOf = (recorded: RecordedEvent): AccessStamp => ({
  eventId: recorded.event.metadata.eventId,
  actor: recorded.event.metadata.actor,
  occurredAt: recorded.event.metadata.occurredAt,
  recordedAt: recorded.event.metadata.recordedAt,
  streamId: recorded.streamId,
  globalPosition: recorded.globalPosition,
});

const requestKey = (streamId: string, requestId: string): string => `${streamId}/${requestId}`;

const decide = (state: AccessTrailState, recorded: RecordedEvent, requestId: string, decision: 'approved' | 'declined'): AccessTrailState => {
  const key = requestKey(recorded.streamId, requestId);
  const request = state.requests.get(key);
  if (request === undefined) return state;
  const record: BulkRequestRecord = { ...request, decision: { ...stampOf(recorded), decision, reason: recorded.event.metadata.reason ?? null } };
  return { ...state, requests: new Map(state.requests).set(key, record) };
};

const operation = (state: AccessTrailState, recorded: RecordedEvent, op: PersonalDataOperation['operation'], personId: string, legalBasis: string | null): AccessTrailState => ({
  ...state,
  operations: [...state.operations, { ...stampOf(recorded), operation: op, personId, legalBasis, reason: recorded.event.metadata.reason ?? null }],
});

export const evolveAccessTrail = (state: AccessTrailState, recorded: RecordedEvent): AccessTrailState => {
  const { event } = recorded;
  switch (event.type) {
    case 'PersonalDataRead':
      return { ...state, reads: [...state.reads, { ...stampOf(recorded), ...event.data, bulkRequestId: event.data.bulkRequestId ?? null }] };
    case 'BulkAccessRequested':
      return { ...state, requests: new Map(state.requests).set(requestKey(recorded.streamId, event.data.requestId), { ...stampOf(recorded), ...event.data, decision: null }) };
    case 'BulkAccessApproved':
      return decide(state, recorded, event.data.requestId, 'approved');
    case 'BulkAccessDeclined':
      return decide(state, recorded, event.data.requestId, 'declined');
    case 'PersonalDataBlocked':
      return operation(state, recorded, 'blocked', event.data.personId, event.data.legalBasis);
    case 'PersonalDataUnblocked':
      return operation(state, recorded, 'unblocked', event.data.personId, null);
    case 'PersonalDataDepersonalised':
      return operation(state, recorded, 'depersonalised', event.data.personId, event.data.legalBasis);
    case 'PersonalDataForgotten':
      return operation(state, recorded, 'forgotten', event.data.personId, event.data.legalBasis);
    default:
      return state;
  }
};

/** The access-trail projection: `evolve` and `initialState`, to fold with `foldEvents`. */
export const accessTrailProjection = { evolve: evolveAccessTrail, initialState: initialAccessTrailState } as const;

/** A period of school days, both ends included. */
export type DayRange = { readonly from: LocalDate; readonly to: LocalDate };

const inRange = (day: LocalDate, range: DayRange): boolean => day >= range.from && day <= range.to;

export type BulkAccess = { readonly read: PersonalDataAccess; readonly request: BulkRequestRecord | null };

/** The bulk reads of a period (reads made under a bulk-access request), each with its request and approval. */
export const bulkAccesses = (state: AccessTrailState, range: DayRange): ReadonlyArray<BulkAccess> =>
  state.reads
    .filter((read) => read.bulkRequestId !== null && inRange(read.day, range))
    .map((read) => ({ read, request: state.requests.get(requestKey(read.streamId, read.bulkRequestId ?? '')) ?? null }));

/** The bulk-access requests of a period, approved, declined or still open. */
export const bulkRequests = (state: AccessTrailState, range: DayRange): ReadonlyArray<BulkRequestRecord> =>
  [...state.requests.values()].filter((r) => inRange(r.day, range)).sort((a, b) => a.globalPosition - b.globalPosition);

/** Every read of personal data in a period. */
export const personalDataReads = (state: AccessTrailState, range: DayRange): ReadonlyArray<PersonalDataAccess> => state.reads.filter((r) => inRange(r.day, range));

/** Blockings, depersonalisations and forgettings of a period (by the day they happened, UTC). */
export const personalDataOperations = (state: AccessTrailState, range: DayRange): ReadonlyArray<PersonalDataOperation> =>
  state.operations.filter((o) => inRange(o.occurredAt.slice(0, 10), range));
