import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { LedgerEvent } from '../events/registry';
import { contentDifference } from './appendChecks';

/*
 * The re-send comparison as laws: it agrees with comparing canonical JSON (keys sorted), so key
 * order never counts and any other difference in the data or the compared metadata does; the
 * recordedAt alone never counts.
 */

const canonical = (value: unknown): string =>
  JSON.stringify(value, (_key, member: unknown) =>
    typeof member === 'object' && member !== null && !Array.isArray(member)
      ? Object.fromEntries(Object.entries(member as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : member,
  );

/** The same value with every object's keys in reverse order. */
const reversed = (value: unknown): unknown =>
  Array.isArray(value)
    ? value.map(reversed)
    : typeof value === 'object' && value !== null
      ? Object.fromEntries(Object.entries(value).reverse().map(([key, member]) => [key, reversed(member)]))
      : value;

const eventOf = (data: unknown, metadata: Record<string, unknown> = {}): LedgerEvent =>
  ({
    type: 'LessonPlanned',
    schemaVersion: 1,
    data,
    metadata: { eventId: 'e-1', occurredAt: '2023-10-02T08:30:00Z', recordedAt: '2023-10-02T08:31:00Z', causationId: 'c-1', correlationId: 'c-1', ...metadata },
  }) as unknown as LedgerEvent;

const arbData = fc.dictionary(fc.string({ maxLength: 4 }), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 5 });

describe('contentDifference (the re-send comparison)', () => {
  it('finds no difference in the same data with keys in another order, nor in another recordedAt', () => {
    fc.assert(
      fc.property(arbData, fc.string(), (data, recordedAt) => {
        expect(contentDifference(eventOf(reversed(data), { recordedAt }), eventOf(data))).toBeUndefined();
      }),
    );
  });

  it('finds a difference in the data exactly when the canonical JSON differs', () => {
    fc.assert(
      fc.property(arbData, arbData, (a, b) => {
        expect(contentDifference(eventOf(a), eventOf(b)) === 'data').toBe(canonical(a) !== canonical(b));
      }),
    );
  });

  it('finds a difference in the type, the schema version and every metadata member but recordedAt', () => {
    const stored = eventOf({ lessonId: 'l-1' }, { actor: { id: 'teacher-1', role: 'subjectTeacher' }, reason: 'КТП' });
    expect(contentDifference({ ...stored, type: 'FormativeMarkRecorded' } as LedgerEvent, stored)).toContain('type');
    expect(contentDifference({ ...stored, schemaVersion: 2 } as unknown as LedgerEvent, stored)).toContain('schema version');
    for (const [member, value] of [
      ['occurredAt', '2023-10-03T08:30:00Z'],
      ['actor', { id: 'teacher-2', role: 'subjectTeacher' }],
      ['correlationId', 'c-2'],
      ['causationId', 'c-2'],
      ['reason', 'другая'],
    ] as const)
      expect(contentDifference({ ...stored, metadata: { ...stored.metadata, [member]: value } } as LedgerEvent, stored), member).toBe('metadata');
    const { reason: _reason, ...withoutReason } = stored.metadata as Record<string, unknown>;
    expect(contentDifference({ ...stored, metadata: withoutReason } as unknown as LedgerEvent, stored)).toBe('metadata');
  });
});
