import * as E from 'fp-ts/Either';
import {
  accessDayDecider,
  accessFactsProjection,
  accessStreamId,
  accessTrailProjection,
  authorizeRead,
  bulkAccesses,
  bulkRequests,
  commandHandler,
  defaultAccessPolicy,
  foldEvents,
  inMemoryEventStore,
  isLocalDate,
  personalDataDecider,
  personalDataOperations,
  personalDataReads,
  personStreamId,
  schoolDayOf,
  type AccessDayCommand,
  type Actor,
  type BulkAccess,
  type BulkRequestRecord,
  type DayRange,
  type PersonalDataOperation,
  type RecordedEvent,
} from '@grade-ledger/core';
import { fileSource, readArchive } from '@grade-ledger/archive';
import { buildSmallSchool } from '@grade-ledger/testing/school';

/*
 * `grade-ledger audit`: the personal-data audit of a period. Every bulk access with the
 * request and the approval it ran under, bulk requests declined or never used, how many reads
 * of personal data each role made, and every blocking, depersonalisation and forgetting.
 *
 * The events come from an archive file (`--archive FILE`, read and chain-checked by
 * @grade-ledger/archive) or, without one, from a demo history: a small school with a term of
 * recorded reads, a four-eyes bulk read, a declined request and a forgotten pupil.
 */

export type AuditOptions = { readonly from: string; readonly to: string };

export type AuditReport = {
  readonly source: string;
  readonly period: DayRange;
  readonly bulkAccesses: ReadonlyArray<BulkAccess>;
  /** Requests of the period that no bulk read ran under: declined, pending, or approved and unused. */
  readonly otherRequests: ReadonlyArray<BulkRequestRecord>;
  readonly reads: { readonly total: number; readonly people: number; readonly byRole: ReadonlyArray<{ readonly role: string; readonly reads: number; readonly people: number }> };
  readonly operations: ReadonlyArray<PersonalDataOperation>;
};

export type AuditError = { readonly kind: 'InvalidOption'; readonly message: string } | { readonly kind: 'AuditFailed'; readonly message: string };

export const checkPeriod = (from: string | undefined, to: string | undefined): E.Either<AuditError, DayRange> => {
  if (from === undefined || !isLocalDate(from)) return E.left({ kind: 'InvalidOption', message: `--from ${JSON.stringify(from ?? '')}: expected a date YYYY-MM-DD` });
  if (to === undefined || !isLocalDate(to)) return E.left({ kind: 'InvalidOption', message: `--to ${JSON.stringify(to ?? '')}: expected a date YYYY-MM-DD` });
  if (to < from) return E.left({ kind: 'InvalidOption', message: `--to ${to}: before --from ${from}` });
  return E.right({ from, to });
};

/** The audit of a period over recorded events. */
export const auditOf = (events: Iterable<RecordedEvent>, period: DayRange, source: string): AuditReport => {
  const trail = foldEvents(accessTrailProjection, events);
  const bulk = bulkAccesses(trail, period);
  const used = new Set(bulk.map((b) => `${b.read.streamId}/${b.read.bulkRequestId ?? ''}`));
  const reads = personalDataReads(trail, period);
  const byRole = new Map<string, { reads: number; people: Set<string> }>();
  for (const read of reads) {
    const entry = byRole.get(read.actor.role) ?? { reads: 0, people: new Set<string>() };
    entry.reads++;
    for (const p of read.personIds) entry.people.add(p);
    byRole.set(read.actor.role, entry);
  }
  return {
    source,
    period,
    bulkAccesses: bulk,
    otherRequests: bulkRequests(trail, period).filter((r) => !used.has(`${r.streamId}/${r.requestId}`)),
    reads: {
      total: reads.length,
      people: new Set(reads.flatMap((r) => r.personIds)).size,
      byRole: [...byRole].sort(([a], [b]) => (a < b ? -1 : 1)).map(([role, e]) => ({ role, reads: e.reads, people: e.people.size })),
    },
    operations: personalDataOperations(trail, period),
  };
};

const time = (instant: string): string => instant.slice(0, 16).replace('T', ' ');
const who = (actor: Actor): string => `${actor.role} ${actor.id}`;

export const renderAudit = (report: AuditReport): ReadonlyArray<string> => {
  const lines = [`Personal-data audit ${report.period.from} .. ${report.period.to} (${report.source})`, ''];
  lines.push(`Bulk accesses (four eyes): ${report.bulkAccesses.length}`);
  for (const { read, request } of report.bulkAccesses) {
    lines.push(
      `  ${time(read.occurredAt)}  ${who(read.actor)} read ${read.fields.join(', ')} of ${read.personCount} people in ${read.classIds.length} classes (${read.resource}), access ${read.accessId}`,
      `      purpose: "${read.purpose}"`,
      request === null
        ? '      request: NOT FOUND in the history'
        : `      requested ${time(request.occurredAt)} by ${who(request.actor)}; ${request.decision === null ? 'NOT DECIDED' : `${request.decision.decision} ${time(request.decision.occurredAt)} by ${who(request.decision.actor)}`}`,
    );
  }
  if (report.otherRequests.length > 0) {
    lines.push('', 'Bulk-access requests without a bulk read:');
    for (const r of report.otherRequests)
      lines.push(
        `  ${time(r.occurredAt)}  ${r.requestId} by ${who(r.actor)}: ${r.personCount} people, "${r.purpose}": ${r.decision === null ? 'pending' : `${r.decision.decision} by ${who(r.decision.actor)}${r.decision.reason === null ? '' : ` (why: "${r.decision.reason}")`}`}${r.decision?.decision === 'approved' ? ', not used' : ''}`,
      );
  }
  lines.push('', `Reads of personal data: ${report.reads.total}, of ${report.reads.people} people`);
  for (const r of report.reads.byRole) lines.push(`  ${r.role.padEnd(15)} ${String(r.reads).padStart(5)} reads  ${String(r.people).padStart(5)} people`);
  lines.push('', `Blocked, depersonalised, forgotten: ${report.operations.length}`);
  for (const o of report.operations) lines.push(`  ${time(o.occurredAt)}  ${o.personId} ${o.operation} by ${who(o.actor)}; why: "${o.reason ?? ''}"${o.legalBasis === null ? '' : `; legal basis: ${o.legalBasis}`}`);
  return lines;
};

export const auditJson = (report: AuditReport): string => JSON.stringify(report, null, 2);

/**
 * A demo history: a small school's 2023-2024 and 2024-2025 years, then, on school days of March 2025, class
 * teachers reading their pupils' names, a parent reading their child's record, a refused
 * attempt at a bulk read, a deputy director's bulk read approved by an auditor, a declined
 * request, and a forgotten pupil.
 */
export const demoAuditHistory = async (): Promise<E.Either<AuditError, ReadonlyArray<RecordedEvent>>> => {
  const store = inMemoryEventStore();
  const built = await buildSmallSchool({ seed: 2018, since: 2023, until: 2024, store });
  if (E.isLeft(built)) return E.left({ kind: 'AuditFailed', message: built.left.message });
  const policy = defaultAccessPolicy();
  let now = '2025-03-03T04:00:00Z';
  const access = commandHandler(accessDayDecider(policy.bulkGuard), { store, clock: () => now });
  const people = commandHandler(personalDataDecider(policy.dataOperators), { store, clock: () => now });
  const facts = foldEvents(accessFactsProjection, store.allEvents()).facts;
  const classes = built.right.summary.classes.filter((c) => c.schoolYearId.startsWith('2024'));
  let n = 0;
  const send = async (command: AccessDayCommand): Promise<E.Either<string, void>> => {
    const result = await access(accessStreamId('demo-school', schoolDayOf(command.metadata.occurredAt, policy.bulkGuard.utcOffsetMinutes)), command);
    return E.isLeft(result) ? E.left(result.left.message) : E.right(undefined);
  };
  const read = async (actor: Actor, classIds: ReadonlyArray<string>, personIds: ReadonlyArray<string> | 'wholeClasses', purpose?: string, bulkRequestId?: string) => {
    const grant = authorizeRead(policy, actor, { resource: 'reportCard', classIds, personIds, fields: ['name'], ...(purpose === undefined ? {} : { purpose }) }, facts);
    if (E.isLeft(grant)) return E.left(grant.left.message);
    const accessId = `demo-access-${++n}`;
    const day = schoolDayOf(now, policy.bulkGuard.utcOffsetMinutes);
    return send({
      type: 'RecordPersonalDataRead',
      data: { accessId, day, resource: 'reportCard', classIds, personIds: grant.right.personIds, personCount: grant.right.personIds.length, fields: ['name'], purpose: grant.right.purpose ?? '', ...(bulkRequestId === undefined ? {} : { bulkRequestId }) },
      metadata: { commandId: accessId, actor, occurredAt: now },
    });
  };
  const steps: Array<() => Promise<E.Either<string, void>>> = [];
  for (const [i, cls] of classes.entries())
    steps.push(async () => {
      now = `2025-03-0${3 + (i % 3)}T0${3 + (i % 5)}:1${i % 6}:00Z`;
      return read({ id: cls.classTeacherId, role: 'classTeacher' }, [cls.classId], 'wholeClasses');
    });
  const deputy: Actor = { id: 'deputy-01', role: 'deputyDirector' };
  const all = classes.map((c) => c.classId);
  const everyone = [...new Set(classes.flatMap((c) => c.pupilIds))];
  steps.push(async () => {
    now = '2025-03-10T04:00:00Z';
    const refused = await read(deputy, all, 'wholeClasses', 'term report cards for the district office');
    return E.isLeft(refused) && refused.left.includes('bulk') ? E.right(undefined) : E.left('the guard let an unapproved bulk read through');
  });
  steps.push(() =>
    send({
      type: 'RequestBulkAccess',
      data: { requestId: 'bulk-term-3', day: '2025-03-10', resource: 'reportCard', classIds: all, personCount: everyone.length, fields: ['name'], purpose: 'term report cards for the district office' },
      metadata: { commandId: 'bulk-term-3.request', actor: deputy, occurredAt: now },
    }),
  );
  steps.push(async () => {
    now = '2025-03-10T05:30:00Z';
    return send({ type: 'ApproveBulkAccess', data: { requestId: 'bulk-term-3' }, metadata: { commandId: 'bulk-term-3.approve', actor: { id: 'auditor-01', role: 'auditor' }, occurredAt: now } });
  });
  steps.push(async () => {
    now = '2025-03-10T06:00:00Z';
    return read(deputy, all, 'wholeClasses', 'term report cards for the district office', 'bulk-term-3');
  });
  steps.push(async () => {
    now = '2025-03-12T07:00:00Z';
    const other: Actor = { id: 'teacher-04', role: 'subjectTeacher' };
    const request = await send({
      type: 'RequestBulkAccess',
      data: { requestId: 'bulk-olympiad', day: '2025-03-12', resource: 'export', classIds: all, personCount: everyone.length, fields: ['name', 'contacts'], purpose: 'olympiad invitations' },
      metadata: { commandId: 'bulk-olympiad.request', actor: other, occurredAt: now },
    });
    if (E.isLeft(request)) return request;
    return send({
      type: 'DeclineBulkAccess',
      data: { requestId: 'bulk-olympiad' },
      metadata: { commandId: 'bulk-olympiad.decline', actor: { id: 'director-01', role: 'director' }, occurredAt: now, reason: 'Contacts are not needed: invitations go through the class teachers' },
    });
  });
  steps.push(async () => {
    now = '2025-03-20T09:00:00Z';
    const personId = everyone[everyone.length - 1] ?? 'pupil-0001';
    const forgotten = await people(personStreamId(personId), {
      type: 'ForgetPerson',
      data: { personId, legalBasis: 'Law 94-V art. 18: consent withdrawn by the legal representative' },
      metadata: { commandId: 'forget-1', actor: { id: 'director-01', role: 'director' }, occurredAt: now, reason: 'The family left the country and asked for the data to be destroyed' },
    });
    return E.isLeft(forgotten) ? E.left(forgotten.left.message) : E.right(undefined);
  });
  for (const step of steps) {
    const done = await step();
    if (E.isLeft(done)) return E.left({ kind: 'AuditFailed', message: `demo history: ${done.left}` });
  }
  return E.right(store.allEvents());
};

/** The events of an archive file, read with @grade-ledger/archive (chain and schema checked line by line). */
export const archiveEvents = async (path: string): Promise<E.Either<AuditError, ReadonlyArray<RecordedEvent>>> => {
  const reading = readArchive(fileSource(path)());
  const events: RecordedEvent[] = [];
  try {
    for await (const { line: _line, ...recorded } of reading.events) events.push(recorded);
  } catch (error) {
    return E.left({ kind: 'AuditFailed', message: `${path}: ${error instanceof Error ? error.message : String(error)}` });
  }
  const result = await reading.result;
  return E.isLeft(result) ? E.left({ kind: 'AuditFailed', message: `${path}: ${result.left.message}` }) : E.right(events);
};

export const runAudit = async (options: { readonly from?: string; readonly to?: string; readonly archive?: string }): Promise<E.Either<AuditError, AuditReport>> => {
  const period = checkPeriod(options.from, options.to);
  if (E.isLeft(period)) return period;
  const events = options.archive === undefined ? await demoAuditHistory() : await archiveEvents(options.archive);
  if (E.isLeft(events)) return events;
  return E.right(auditOf(events.right, period.right, options.archive === undefined ? 'demo history' : `archive ${options.archive}`));
};
