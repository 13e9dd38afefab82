/**
 * Decoding stored events: every type round-trips; bad input is refused with an error that
 * names the field (as a dotted path) and the value; unknown types and versions are refused;
 * unknown fields are dropped; person references are opaque ids, never names.
 */
import * as fc from 'fast-check';
import * as E from 'fp-ts/Either';
import { describe, expect, it } from 'vitest';
import {
  actors,
  after,
  command,
  mathLessons,
  mathYearFinalized,
  pupils,
  recorded,
  resit,
  schoolYear2019,
  subjects,
  summativeScore,
  formativeMark,
} from '../classJournal/testFixtures';
import { kazakhstanRuleSetIds } from '../rules/kazakhstan';
import { schoolYearDecider } from '../schoolYear/schoolYear';
import { decodeEvent, decodeEventData, type EventDecodeError } from './decodeEvent';
import { decodeEventFast, isCurrentLedgerEvent, isIdQuick, isInstantQuick } from './fastDecode';
import { isId } from '../primitives/ids';
import { isInstant } from '../primitives/instant';
import { eventDefinitions, eventTypes, type LedgerEvent } from './registry';

const because = { reason: 'checked against the paper register' };
const late = pupils.late;

/** One year of a class that touches every event type, plus the school year itself. */
const yearOpened = (() => {
  const decided = schoolYearDecider(Object.values(kazakhstanRuleSetIds)).decide(
    { type: 'OpenSchoolYear', data: schoolYear2019, metadata: { commandId: 'open-2019', actor: actors.director, occurredAt: '2019-08-20T04:00:00Z' } },
    { status: 'notOpened' },
  );
  if (E.isLeft(decided)) throw new Error(decided.left.message);
  return recorded(decided.right, actors.director, 'open-2019');
})();

const withLatePupilMarks = after(
  mathYearFinalized,
  formativeMark(late, mathLessons.t2a.id, 6, 'fo-late'),
  summativeScore(late, 'sor-math-t2-1', 6, 'sc-late'),
  command('MarkAttendance', { subjectId: subjects.math, attendanceId: 'att-late', lessonId: mathLessons.t2Sor.id, pupilId: late, code: 'late' }, actors.math),
);
const classYear = after(
  withLatePupilMarks,
  command('RescheduleLesson', { subjectId: subjects.math, lessonId: mathLessons.t1Free.id, date: '2019-10-23', period: 3 }, actors.math),
  command('CancelLesson', { subjectId: subjects.math, lessonId: mathLessons.t1Last.id }, actors.math),
  command('ReviseLessonTopic', { subjectId: subjects.math, lessonId: mathLessons.t1a.id, topic: 'Natural numbers' }, actors.math),
  command('CancelSummative', { subjectId: subjects.selfKnowledge, summativeId: 'sor-sk-h2' }, actors.deputy, because),
  command('ApprovePlan', { subjectId: subjects.math }, actors.deputy),
  command('ModerateSummativeScore', { subjectId: subjects.math, pupilId: late, markId: 'sc-late', points: 7 }, actors.deputy, because),
  command('CorrectMark', { subjectId: subjects.math, pupilId: late, markId: 'fo-late', value: { kind: 'formative', mark: 7 } }, actors.math, because),
  command('AnnulMark', { subjectId: subjects.math, pupilId: late, markId: 'fo-late' }, actors.math, because),
  command('CorrectAttendance', { subjectId: subjects.math, pupilId: late, attendanceId: 'att-late', code: 'present' }, actors.math, because),
  command('GrantExemption', { subjectId: subjects.math, pupilId: late, exemptionId: 'ex-1', from: '2020-04-01', to: '2020-04-30', ground: 'medical' }, actors.deputy),
  resit(pupils.weak, 4),
);
/** An export of the ledger, recorded in the audit-exports stream (not decided by a class or school year). */
const archiveExported: LedgerEvent = {
  type: 'ArchiveExported',
  schemaVersion: 1,
  data: { purpose: 'Inspection by the regional education department', scope: 'ledger', pseudonymized: true, eventCount: 42, firstPosition: 1, lastPosition: 42, finalDigest: 'a'.repeat(64), formatVersion: 1 },
  metadata: { eventId: 'export-1.0', occurredAt: '2020-06-30T10:00:00Z', recordedAt: '2020-06-30T10:00:01Z', actor: actors.deputy, correlationId: 'export-1', causationId: 'export-1' },
};

/** Operations on personal data and reads of it (person and access streams; see events/people.ts). */
const peopleEvent = (type: string, data: unknown, id: string, reason?: string): LedgerEvent =>
  ({ type, schemaVersion: 1, data, metadata: { eventId: `${id}.0`, occurredAt: '2020-06-30T10:00:00Z', recordedAt: '2020-06-30T10:00:01Z', actor: actors.deputy, correlationId: id, causationId: id, ...(reason === undefined ? {} : { reason }) } }) as LedgerEvent;
const peopleEvents: ReadonlyArray<LedgerEvent> = [
  peopleEvent('PersonalDataBlocked', { personId: late, legalBasis: 'Law 94-V art. 22' }, 'block-1', 'The record is disputed'),
  peopleEvent('PersonalDataUnblocked', { personId: late }, 'unblock-1', 'Checked'),
  peopleEvent('PersonalDataDepersonalised', { personId: pupils.weak, legalBasis: 'Law 94-V art. 1' }, 'dep-1', 'Statistics only'),
  peopleEvent('PersonalDataForgotten', { personId: late, legalBasis: 'Law 94-V art. 18' }, 'forget-1', 'Consent withdrawn'),
  peopleEvent('BulkAccessRequested', { requestId: 'bulk-1', day: '2020-06-30', resource: 'reportCard', classIds: ['7A'], personCount: 30, fields: ['name'], purpose: 'term report' }, 'bulk-1.request'),
  peopleEvent('BulkAccessApproved', { requestId: 'bulk-1' }, 'bulk-1.approve'),
  peopleEvent('BulkAccessDeclined', { requestId: 'bulk-2' }, 'bulk-2.decline', 'No purpose'),
  peopleEvent('PersonalDataRead', { accessId: 'access-1', day: '2020-06-30', resource: 'reportCard', classIds: ['7A'], personIds: [late], personCount: 1, fields: ['name'], purpose: 'term report', bulkRequestId: 'bulk-1' }, 'access-1'),
];

const samples: ReadonlyArray<LedgerEvent> = [...yearOpened, ...classYear, archiveExported, ...peopleEvents];

/** A stored copy: what comes back from a database or a file. */
const stored = (event: LedgerEvent): Record<string, unknown> => JSON.parse(JSON.stringify(event)) as Record<string, unknown>;
const sample = <T extends LedgerEvent['type']>(type: T): Extract<LedgerEvent, { type: T }> => {
  const found = samples.find((e) => e.type === type);
  if (found === undefined) throw new Error(`no sample of ${type}`);
  return found as Extract<LedgerEvent, { type: T }>;
};
const refused = (raw: unknown): EventDecodeError => {
  const result = decodeEvent(raw);
  if (E.isRight(result)) throw new Error(`expected a refusal, got ${JSON.stringify(result.right)}`);
  expect(result.left.kind).toBe('EventDecodeError');
  return result.left;
};
/** The error names the path and shows the value. */
const expectIssue = (error: EventDecodeError, path: string, value: unknown): void => {
  expect(error.issues).toContainEqual(expect.objectContaining({ path, value }));
  expect(error.message).toContain(path);
  // Long values are shortened in the message; their start is always shown.
  if (value !== undefined) expect(error.message).toContain(JSON.stringify(value).slice(0, 60));
};

describe('decodeEvent: round trips', () => {
  it('has a sample of every event type', () => {
    expect(new Set(samples.map((e) => e.type))).toEqual(new Set(eventTypes));
  });

  it.each(eventTypes)('decodes a stored %s to the event that was written', (type) => {
    for (const event of samples.filter((e) => e.type === type)) expect(decodeEvent(stored(event))).toEqual(E.right(event));
  });

  it('keeps an optional reason in the metadata', () => {
    const corrected = sample('MarkCorrected');
    expect(corrected.metadata.reason).toBe(because.reason);
    expect(decodeEvent(stored(corrected))).toEqual(E.right(corrected));
  });

  it('checks a payload alone against its current codec', () => {
    expect(decodeEventData('FormativeMarkRecorded', sample('FormativeMarkRecorded').data)).toEqual(E.right(sample('FormativeMarkRecorded').data));
    const result = decodeEventData('FormativeMarkRecorded', { ...sample('FormativeMarkRecorded').data, mark: 0 });
    expect(result).toMatchObject({ left: { kind: 'EventDecodeError', issues: [{ path: 'data.mark', value: 0 }] } });
  });
});

describe('decodeEvent: bad fields', () => {
  it('names data.mark and the value for a formative mark of 11', () => {
    const raw = stored(sample('FormativeMarkRecorded'));
    const error = refused({ ...raw, data: { ...(raw.data as object), mark: 11 } });
    expect(error).toMatchObject({ eventType: 'FormativeMarkRecorded', schemaVersion: 1 });
    expectIssue(error, 'data.mark', 11);
    expect(error.message).toContain('from 1 to 10');
  });

  it('names nested paths inside unions and arrays', () => {
    const finalized = stored(sample('PeriodGradeFinalized'));
    expectIssue(refused({ ...finalized, data: { ...(finalized.data as object), period: { kind: 'term', number: 5 } } }), 'data.period.number', 5);
    const opened = stored(sample('SchoolYearOpened'));
    const terms = [...schoolYear2019.terms];
    terms[2] = { ...terms[2]!, endsOn: '2020-02-30' };
    expectIssue(refused({ ...opened, data: { ...(opened.data as object), terms } }), 'data.terms.2.endsOn', '2020-02-30');
  });

  it('names a missing field', () => {
    const raw = stored(sample('SummativeScoreRecorded'));
    const { pupilId: _dropped, ...data } = raw.data as Record<string, unknown>;
    const error = refused({ ...raw, data });
    expect(error.issues).toContainEqual(expect.objectContaining({ path: 'data.pupilId', value: undefined }));
    expect(error.message).toContain('data.pupilId');
  });

  it('names bad metadata', () => {
    const raw = stored(sample('LessonPlanned'));
    const metadata = raw.metadata as Record<string, unknown>;
    expectIssue(refused({ ...raw, metadata: { ...metadata, occurredAt: '15.03.2021 08:30' } }), 'metadata.occurredAt', '15.03.2021 08:30');
    expectIssue(refused({ ...raw, metadata: { ...metadata, actor: { id: 'staff-math', role: 'headmaster' } } }), 'metadata.actor.role', 'headmaster');
    expectIssue(refused({ ...raw, metadata: { ...metadata, reason: '' } }), 'metadata.reason', '');
  });

  it('refuses a value that is not an event object', () => {
    for (const raw of [null, undefined, 'FormativeMarkRecorded', 42, []]) expect(refused(raw).issues).toMatchObject([{ path: '(root)', value: raw }]);
  });

  it('never throws, whatever it is given (property)', () => {
    fc.assert(
      fc.property(fc.anything(), fc.constantFrom(...eventTypes), fc.anything(), (data, type, metadata) => {
        expect(E.isLeft(decodeEvent({ type, schemaVersion: 1, data, metadata }))).toBe(true);
      }),
    );
  });
});

describe('decodeEvent: types and versions', () => {
  it('refuses an unknown type, naming it', () => {
    const error = refused({ ...stored(sample('MarkAnnulled')), type: 'MarkDeleted' });
    expect(error.eventType).toBeUndefined();
    expectIssue(error, 'type', 'MarkDeleted');
  });

  it('refuses a type inherited from Object.prototype', () => {
    expectIssue(refused({ ...stored(sample('MarkAnnulled')), type: 'toString' }), 'type', 'toString');
  });

  it.each([0, 2, 1.5, '1', null])('refuses FormativeMarkRecorded schemaVersion %s', (schemaVersion) => {
    const error = refused({ ...stored(sample('FormativeMarkRecorded')), schemaVersion });
    expect(error.eventType).toBe('FormativeMarkRecorded');
    expectIssue(error, 'schemaVersion', schemaVersion);
  });

  it('refuses a version newer than the reader knows', () => {
    const current = eventDefinitions.AttendanceMarked.schemaVersion;
    expectIssue(refused({ ...stored(sample('AttendanceMarked')), schemaVersion: current + 1 }), 'schemaVersion', current + 1);
  });
});

describe('decodeEvent: unknown fields are dropped', () => {
  it('strips extra fields from the envelope, the payload and the metadata', () => {
    const event = sample('FormativeMarkRecorded');
    const raw = stored(event);
    const decoded = decodeEvent({
      ...raw,
      pupilName: 'Айгерим Садыкова',
      data: { ...(raw.data as object), pupilName: 'Айгерим Садыкова', comment: 'good work' },
      metadata: { ...(raw.metadata as object), ipAddress: '10.0.0.7', actor: { ...(raw.metadata as { actor: object }).actor, email: 'x@example.kz' } },
    });
    expect(decoded).toEqual(E.right(event));
    if (E.isRight(decoded)) {
      expect(decoded.right).not.toHaveProperty('pupilName');
      expect(decoded.right.data).not.toHaveProperty('pupilName');
      expect(decoded.right.metadata).not.toHaveProperty('ipAddress');
      expect(decoded.right.metadata.actor).not.toHaveProperty('email');
    }
  });

  it('strips extra fields from optional parts and nested values', () => {
    const event = sample('PeriodGradeFinalized');
    const raw = stored(event);
    const data = raw.data as Record<string, unknown>;
    const decoded = decodeEvent({ ...raw, data: { ...data, period: { ...(data.period as object), label: 'I четверть' }, teacherComment: 'x' } });
    expect(decoded).toEqual(E.right(event));
  });
});

describe('decodeEvent: people only by opaque id', () => {
  const name = 'Айгерим Садыкова';

  it.each([
    ['FormativeMarkRecorded', 'pupilId'],
    ['SubjectAssigned', 'teacherId'],
    ['ClassOpened', 'classTeacherId'],
    ['PupilEnrolled', 'pupilId'],
  ] as const)('refuses a name in %s data.%s', (type, field) => {
    const raw = stored(sample(type));
    expectIssue(refused({ ...raw, data: { ...(raw.data as object), [field]: name } }), `data.${field}`, name);
  });

  it('refuses a name, an e-mail address or an over-long value as the actor id', () => {
    const raw = stored(sample('LessonPlanned'));
    const metadata = raw.metadata as { actor: object };
    for (const id of [name, 'Aigerim Sadykova', 'teacher@school.kz', 'a'.repeat(129), '']) {
      expectIssue(refused({ ...raw, metadata: { ...metadata, actor: { ...metadata.actor, id } } }), 'metadata.actor.id', id);
    }
  });

  it('refuses any id containing whitespace (property)', () => {
    const raw = stored(sample('FormativeMarkRecorded'));
    const withSpace = fc
      .tuple(fc.string({ minLength: 1, maxLength: 20 }), fc.constantFrom(' ', '\t', '\u00a0', '\n'), fc.string({ maxLength: 20 }))
      .map(([a, space, b]) => `${a}${space}${b}`);
    fc.assert(
      fc.property(withSpace, (pupilId) => {
        expect(refused({ ...raw, data: { ...(raw.data as object), pupilId } }).issues).toContainEqual(expect.objectContaining({ path: 'data.pupilId' }));
      }),
    );
  });
});

/*
 * The fast path (fastDecode.ts) must give exactly decodeEvent's result on any input: it may
 * only skip decodeEvent for values that decodeEvent accepts and gives back unchanged.
 */
describe('decodeEventFast: the same result as decodeEvent', () => {
  type Json = unknown;
  /** Every path to a member or an item in a value, the root included. */
  const pathsOf = (value: Json, at: ReadonlyArray<string | number> = []): Array<ReadonlyArray<string | number>> => {
    const here = [at];
    if (Array.isArray(value)) return [...here, ...value.flatMap((item, i) => pathsOf(item, [...at, i]))];
    if (typeof value === 'object' && value !== null) return [...here, ...Object.entries(value).flatMap(([k, v]) => pathsOf(v, [...at, k]))];
    return here;
  };
  type Mutation = { readonly kind: 'replace'; readonly value: unknown } | { readonly kind: 'delete' } | { readonly kind: 'extra'; readonly key: string; readonly value: unknown };
  /** A copy of `value` with one mutation at `path` (a stored copy, so the sample is untouched). */
  const mutate = (value: Json, path: ReadonlyArray<string | number>, mutation: Mutation): Json => {
    const copy = JSON.parse(JSON.stringify(value)) as Json;
    if (path.length === 0) return mutation.kind === 'replace' ? mutation.value : mutation.kind === 'extra' && typeof copy === 'object' && copy !== null && !Array.isArray(copy) ? { ...copy, [mutation.key]: mutation.value } : copy;
    let parent = copy as Record<string | number, unknown>;
    for (const step of path.slice(0, -1)) parent = parent[step] as Record<string | number, unknown>;
    const last = path[path.length - 1] as string | number;
    if (mutation.kind === 'replace') parent[last] = mutation.value;
    else if (mutation.kind === 'delete') {
      if (Array.isArray(parent)) parent.splice(last as number, 1);
      else delete parent[last];
    } else {
      const target = parent[last];
      if (typeof target === 'object' && target !== null && !Array.isArray(target)) (target as Record<string, unknown>)[mutation.key] = mutation.value;
    }
    return copy;
  };
  const storedSamples = samples.map(stored);
  const arbMutation: fc.Arbitrary<Mutation> = fc.oneof(
    fc.record({ kind: fc.constant('replace' as const), value: fc.oneof(fc.jsonValue(), fc.anything(), fc.constantFrom(undefined, null, 0, -1, 1.5, '', 'x', 'a b', true, [], {}, 'term', 'late', 'pass', '1/2', 2, 5, 10, 11, 101)) }),
    fc.constant({ kind: 'delete' as const }),
    fc.record({ kind: fc.constant('extra' as const), key: fc.oneof(fc.string(), fc.constantFrom('reason', 'overrideReason', '__proto__', 'type', 'extra')), value: fc.oneof(fc.jsonValue(), fc.constant(undefined)) }),
  );
  const arbMutated = fc
    .tuple(fc.nat({ max: storedSamples.length - 1 }), fc.nat(), arbMutation)
    .map(([i, p, mutation]) => {
      const sampleValue = storedSamples[i] as Json;
      const paths = pathsOf(sampleValue);
      return mutate(sampleValue, paths[p % paths.length] as ReadonlyArray<string | number>, mutation);
    });

  it('takes the fast path for every stored sample, and gives the sample back', () => {
    for (const raw of storedSamples) {
      expect(isCurrentLedgerEvent(raw)).toBe(true);
      expect(decodeEventFast(raw)).toEqual(decodeEvent(raw));
    }
  });

  it('gives decodeEvent\'s result (the event, or the same error) for one changed, removed or added field (property)', () => {
    fc.assert(
      fc.property(arbMutated, (raw) => {
        const slow = decodeEvent(raw);
        expect(decodeEventFast(raw)).toEqual(slow);
        // The fast path only answers for values decodeEvent accepts unchanged.
        if (isCurrentLedgerEvent(raw)) expect(slow).toEqual(E.right(raw));
      }),
      { numRuns: 3000 },
    );
  });

  it('gives decodeEvent\'s result on any value (property)', () => {
    fc.assert(
      fc.property(fc.oneof(fc.anything(), fc.jsonValue(), fc.record({ type: fc.constantFrom(...eventTypes), schemaVersion: fc.constantFrom(1, 2, 3), data: fc.anything(), metadata: fc.anything() })), (raw) => {
        expect(decodeEventFast(raw)).toEqual(decodeEvent(raw));
      }),
    );
  });

  it('leaves an older schema version to decodeEvent, which upcasts it', () => {
    const marked = stored(sample('AttendanceMarked'));
    const v1 = { ...marked, schemaVersion: 1, data: { ...(marked.data as object), code: 'н' } };
    expect(isCurrentLedgerEvent(v1)).toBe(false);
    expect(decodeEventFast(v1)).toEqual(decodeEvent(v1));
    expect(E.isRight(decodeEventFast(v1))).toBe(true);
  });
});

describe('the fast path\'s leaves: the same answers as the codecs\' own checks', () => {
  const idChars = fc.constantFrom(...'aZ09._:-/ é\n'.split(''));
  const nearIds = fc.oneof(fc.string(), fc.string({ unit: idChars, maxLength: 130 }), fc.string({ unit: fc.constantFrom(...'aZ09._:-'.split('')), minLength: 126, maxLength: 130 }), fc.anything());
  it('isIdQuick is isId (property)', () => {
    fc.assert(fc.property(nearIds, (value) => {
      expect(isIdQuick(value)).toBe(isId(value));
    }), { numRuns: 3000 });
  });
  const digitOr = fc.constantFrom(...'0123456789-:TZ. x'.split(''));
  const nearInstants = fc.oneof(
    fc.string(),
    fc.anything(),
    fc.tuple(fc.date({ noInvalidDate: true }), fc.nat({ max: 30 }), fc.constantFrom('', '.5', '.123456789', '.1234567890', '.', 'Z')).map(([d, cut, tail]) => {
      const iso = d.toISOString().replace('.000Z', '').replace(/\.\d+Z$/, '');
      return `${iso}${tail}${tail.endsWith('Z') ? '' : 'Z'}`.slice(cut % 3 === 0 ? 0 : 0, 40 - (cut % 5));
    }),
    fc.tuple(fc.integer({ min: 0, max: 99 }), fc.integer({ min: 0, max: 99 }), fc.integer({ min: 0, max: 99 }), fc.integer({ min: 0, max: 99 }), fc.integer({ min: 0, max: 99 })).map(
      ([mo, d, h, mi, s]) => `2024-${String(mo).padStart(2, '0')}-${String(d).padStart(2, '0')}T${String(h).padStart(2, '0')}:${String(mi).padStart(2, '0')}:${String(s).padStart(2, '0')}Z`,
    ),
    fc.string({ unit: digitOr, minLength: 18, maxLength: 31 }),
    // Every field at and around its bounds, with and without a fraction (Date.parse decides what the shape allows).
    fc
      .tuple(fc.integer({ min: 0, max: 9999 }), fc.integer({ min: 0, max: 13 }), fc.integer({ min: 0, max: 32 }), fc.integer({ min: 0, max: 25 }), fc.integer({ min: 0, max: 61 }), fc.integer({ min: 0, max: 61 }), fc.constantFrom('', '.0', '.000', '.5', '.0001', '.999999999'))
      .map(([y, mo, d, h, mi, s, f]) => `${String(y).padStart(4, '0')}-${String(mo).padStart(2, '0')}-${String(d).padStart(2, '0')}T${String(h).padStart(2, '0')}:${String(mi).padStart(2, '0')}:${String(s).padStart(2, '0')}${f}Z`),
  );
  it('isInstantQuick is isInstant (property)', () => {
    fc.assert(fc.property(nearInstants, (value) => {
      expect(isInstantQuick(value)).toBe(isInstant(value));
    }), { numRuns: 3000 });
  });
});
