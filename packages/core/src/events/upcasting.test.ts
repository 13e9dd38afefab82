/**
 * AttendanceMarked v1 stored the journal letter (Russian н п уп б о оп, Kazakh ж д а к); v2
 * stores a language-neutral code. Old events stay v1 in the store and are upcast on reading.
 */
import * as E from 'fp-ts/Either';
import { describe, expect, it } from 'vitest';
import { decodeEvent, type EventDecodeError } from './decodeEvent';
import { eventDefinitions, eventTypes } from './registry';
import { upcasterFor, upcasters } from './upcasting';

const metadata = {
  eventId: 'att-2019.0',
  occurredAt: '2019-10-01T04:10:00Z',
  recordedAt: '2019-10-01T04:10:02Z',
  actor: { id: 'staff-math', role: 'subjectTeacher' },
  correlationId: 'att-2019',
  causationId: 'att-2019',
};
const payload = { subjectId: 'math', attendanceId: 'att-1', lessonId: 'math-t1-04', pupilId: 'pupil-001' };
const v1 = (code: unknown) => ({ type: 'AttendanceMarked', schemaVersion: 1, data: { ...payload, code }, metadata });

const refused = (raw: unknown): EventDecodeError => {
  const result = decodeEvent(raw);
  if (E.isRight(result)) throw new Error(`expected a refusal, got ${JSON.stringify(result.right)}`);
  return result.left;
};

describe('AttendanceMarked v1 → v2', () => {
  it.each([
    ['н', 'unexcused'],
    ['ж', 'unexcused'],
    ['п', 'excused'],
    ['уп', 'excused'],
    ['д', 'excused'],
    ['б', 'illness'],
    ['а', 'illness'],
    ['о', 'late'],
    ['оп', 'late'],
    ['к', 'late'],
  ] as const)('reads the journal letter %s as %s', (letter, code) => {
    expect(decodeEvent(v1(letter))).toEqual(E.right({ type: 'AttendanceMarked', schemaVersion: 2, data: { ...payload, code }, metadata }));
  });

  it.each(['x', 'Н', 'n', 'unexcused', '', 1, null])('refuses the v1 letter %j, naming data.code and the value', (letter) => {
    const error = refused(v1(letter));
    expect(error).toMatchObject({ kind: 'EventDecodeError', eventType: 'AttendanceMarked', schemaVersion: 1 });
    expect(error.issues).toContainEqual(expect.objectContaining({ path: 'data.code', value: letter }));
    expect(error.message).toContain('data.code');
    expect(error.message).toContain(JSON.stringify(letter));
  });

  it('refuses a v1 payload with a missing field, naming it', () => {
    const { pupilId: _missing, ...rest } = payload;
    const error = refused({ ...v1('н'), data: { ...rest, code: 'н' } });
    expect(error.issues).toContainEqual(expect.objectContaining({ path: 'data.pupilId' }));
  });

  it('refuses a name as pupil in a v1 event too', () => {
    const error = refused({ ...v1('б'), data: { ...payload, pupilId: 'Айгерим Садыкова', code: 'б' } });
    expect(error.issues).toContainEqual(expect.objectContaining({ path: 'data.pupilId', value: 'Айгерим Садыкова' }));
  });

  it('drops unknown v1 fields while upcasting', () => {
    const decoded = decodeEvent({ ...v1('п'), data: { ...payload, code: 'п', note: 'справка' } });
    expect(decoded).toEqual(E.right({ type: 'AttendanceMarked', schemaVersion: 2, data: { ...payload, code: 'excused' }, metadata }));
  });
});

describe('AttendanceMarked v2', () => {
  it.each(['unexcused', 'excused', 'illness', 'late'])('decodes %s unchanged', (code) => {
    const v2 = { type: 'AttendanceMarked', schemaVersion: 2, data: { ...payload, code }, metadata };
    expect(decodeEvent(v2)).toEqual(E.right(v2));
  });

  it('refuses a journal letter in a v2 event', () => {
    const error = refused({ ...v1('н'), schemaVersion: 2 });
    expect(error.issues).toContainEqual(expect.objectContaining({ path: 'data.code', value: 'н' }));
    expect(error.schemaVersion).toBe(2);
  });
});

describe('the upcaster chain', () => {
  it('has an upcaster for every old version of every type', () => {
    for (const type of eventTypes)
      for (let version = 1; version < eventDefinitions[type].schemaVersion; version++) expect(upcasterFor(type, version), `${type} v${version}`).toBeDefined();
  });

  it('has no upcaster from a current (or newer) version', () => {
    for (const upcaster of upcasters) expect(upcaster.from).toBeLessThan(eventDefinitions[upcaster.type].schemaVersion);
    expect(upcasterFor('FormativeMarkRecorded', 1)).toBeUndefined();
  });
});
