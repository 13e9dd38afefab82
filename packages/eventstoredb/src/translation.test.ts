import { UnavailableError, WrongExpectedVersionError } from '@eventstore/db-client';
import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ExpectedRevision, LedgerEvent } from '@grade-ledger/core';
import {
  conflictOf,
  ledgerRecordedEvent,
  ledgerRevision,
  ledgerStreamId,
  serverEventData,
  serverEventId,
  serverExpectedRevision,
  serverStreamName,
  unavailableOf,
  uuidV5,
} from './translation';

// The translation layer alone: no server is involved (the contract runs where one is given).

const arbId = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,40}$/);
const arbStreamId = fc.string({ minLength: 1, maxLength: 60 });

const markEvent = (eventId: string, mark: number): LedgerEvent => ({
  type: 'FormativeMarkRecorded',
  schemaVersion: 1,
  data: { subjectId: 'math', markId: `m-${eventId}`, lessonId: 'lesson-1', pupilId: 'pupil-7', mark },
  metadata: {
    eventId,
    occurredAt: '2023-10-02T08:30:00Z',
    recordedAt: '2023-10-02T08:31:00.123Z',
    actor: { id: 'teacher-1', role: 'subjectTeacher' },
    correlationId: 'corr-1',
    causationId: 'cmd-1',
  },
});

describe('EventStoreDB translation layer', () => {
  it('derives RFC 4122 version-5 UUIDs (the RFC example: www.example.com in the DNS namespace)', () => {
    expect(uuidV5('6ba7b810-9dad-11d1-80b4-00c04fd430c8', 'www.example.com')).toBe('2ed6657d-e927-568b-95e1-2665a8aea6a2');
  });

  it('gives each (school, ledger event id) one server UUID: deterministic, well-formed, distinct for distinct pairs', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.tuple(arbId, arbId), { minLength: 1, maxLength: 30, selector: ([s, e]) => `${s}\u0000${e}` }), (pairs) => {
        const ids = pairs.map(([school, event]) => serverEventId(school, event));
        for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
        expect(new Set(ids).size).toBe(pairs.length);
        expect(pairs.map(([school, event]) => serverEventId(school, event))).toEqual(ids);
      }),
    );
  });

  it("maps stream ids into the school's prefix and back; another school's or a system stream is not the school's", () => {
    fc.assert(
      fc.property(arbId, arbId, arbStreamId, (school, other, streamId) => {
        const name = serverStreamName(school, streamId);
        expect(ledgerStreamId(school, name)).toBe(streamId);
        if (other !== school) expect(ledgerStreamId(other, name)).toBeUndefined();
        expect(ledgerStreamId(school, `$${streamId}`)).toBeUndefined();
        expect(ledgerStreamId(school, `$et-${name}`)).toBeUndefined();
      }),
    );
  });

  it('maps expected revisions to the client and current revisions back', () => {
    const cases: ReadonlyArray<[ExpectedRevision, unknown]> = [
      ['any', 'any'],
      ['noStream', 'no_stream'],
      ['streamExists', 'stream_exists'],
      [0, 0n],
      [41, 41n],
      // -1 is a read's "no stream" (currentRevision), and the other stores take it as such; the
      // server's revisions are unsigned, so it must travel as no_stream, not as -1n.
      [-1, 'no_stream'],
    ];
    for (const [ledger, server] of cases) expect(serverExpectedRevision(ledger)).toBe(server);
    fc.assert(
      fc.property(fc.nat({ max: 2 ** 40 }), (n) => {
        expect(ledgerRevision(BigInt(n))).toBe(n);
      }),
    );
    expect(ledgerRevision('no_stream')).toBe(-1);
  });

  it('writes an event so that it reads back exactly, with its position and revision, and only in its school', () => {
    fc.assert(
      fc.property(arbId, arbId, arbStreamId, fc.integer({ min: 1, max: 10 }), fc.nat({ max: 2 ** 45 }), fc.nat({ max: 10_000 }), (school, eventId, streamId, mark, position, revision) => {
        const event = markEvent(eventId, mark);
        const data = serverEventData(school, event);
        expect(data.id).toBe(serverEventId(school, eventId));
        expect(data.metadata.ledgerEventId).toBe(eventId);
        // What the server hands back: the same JSON, in the stream, at a log position.
        const recorded = {
          streamId: serverStreamName(school, streamId),
          revision: BigInt(revision),
          type: data.type,
          data: JSON.parse(JSON.stringify(data.data)) as unknown,
          metadata: JSON.parse(JSON.stringify(data.metadata)) as unknown,
          position: { commit: BigInt(position), prepare: BigInt(position) },
        };
        expect(ledgerRecordedEvent(school, recorded)).toEqual({
          _tag: 'Right',
          right: { event, streamId, streamRevision: revision, globalPosition: position },
        });
        expect(ledgerRecordedEvent(`${school}x`, recorded)).toBeUndefined();
      }),
    );
  });

  it("refuses a school's stream event that is not a valid ledger event, naming it", () => {
    const data = serverEventData('school-1', markEvent('e-1', 7));
    const recorded = {
      streamId: serverStreamName('school-1', 'class-5A'),
      revision: 3n,
      type: data.type,
      data: { ...data.data, mark: 11 },
      metadata: data.metadata,
      position: { commit: 10n, prepare: 10n },
    };
    const result = ledgerRecordedEvent('school-1', recorded);
    expect(result?._tag).toBe('Left');
    expect(result?._tag === 'Left' ? result.left : '').toMatch(/class-5A@3.*mark/);
  });

  it("turns the client's WrongExpectedVersionError into ConcurrencyConflict with the actual revision, and nothing else", () => {
    const behind = new WrongExpectedVersionError(undefined, { streamName: 'grade-ledger/s/x', expected: 3n, current: 5n });
    expect(conflictOf(behind, 'x', 3)).toMatchObject({ kind: 'ConcurrencyConflict', streamId: 'x', expected: 3, actual: 5 });
    const missing = new WrongExpectedVersionError(undefined, { streamName: 'grade-ledger/s/y', expected: 'stream_exists', current: 'no_stream' });
    expect(conflictOf(missing, 'y', 'streamExists')).toMatchObject({ kind: 'ConcurrencyConflict', expected: 'streamExists', actual: -1 });
    expect(conflictOf(new UnavailableError(), 'x', 3)).toBeUndefined();
    expect(conflictOf(new Error('boom'), 'x', 3)).toBeUndefined();
  });

  it('turns other client failures into StoreUnavailable, saying when the server could not be reached', () => {
    const unreachable = unavailableOf('appending 2 event(s) to stream x', new UnavailableError(), 'maybe');
    expect(unreachable.kind).toBe('StoreUnavailable');
    expect(unreachable.message).toMatch(/while appending 2 event\(s\) to stream x: the EventStoreDB server could not be reached/);
    expect(unreachable.message).toContain('re-sending the batch is safe');
    expect(unavailableOf('reading stream x', new Error('boom')).message).toMatch(/EventStoreDB failed: boom/);
  });
});
