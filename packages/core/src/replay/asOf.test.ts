import * as fc from 'fast-check';
import * as E from 'fp-ts/Either';
import { describe, expect, it } from 'vitest';
import { checkReplayOptions, endOfDay, endOfDayChecked, isRecordedBefore, nextDay } from './asOf';
import { isInstant } from '../primitives/instant';

const arbInstant = fc
  .record({
    ms: fc.integer({ min: Date.UTC(2015, 0, 1), max: Date.UTC(2030, 0, 1) }),
    digits: fc.integer({ min: 0, max: 9 }),
    extra: fc.integer({ min: 0, max: 999_999 }),
  })
  .map(({ ms, digits, extra }) => {
    const base = new Date(ms).toISOString(); // YYYY-MM-DDTHH:mm:ss.sssZ
    const fraction = `${base.slice(20, 23)}${String(extra).padStart(6, '0')}`.slice(0, digits);
    return { text: `${base.slice(0, 19)}${digits === 0 ? '' : `.${fraction}`}Z`, nanos: BigInt(Math.floor(ms / 1000)) * 1_000_000_000n + BigInt(fraction.padEnd(9, '0')) };
  });

describe('as of an instant', () => {
  it('isRecordedBefore is the order of the instants, whatever the digits of their fractions', () => {
    fc.assert(
      fc.property(arbInstant, arbInstant, (a, b) => {
        expect(isRecordedBefore(a.text, b.text)).toBe(a.nanos < b.nanos);
      }),
      { numRuns: 500 },
    );
    expect(isRecordedBefore('2021-03-15T08:30:00Z', '2021-03-15T08:30:00.5Z')).toBe(true);
    expect(isRecordedBefore('2021-03-15T08:30:00.5Z', '2021-03-15T08:30:00Z')).toBe(false);
    expect(isRecordedBefore('2021-03-15T08:30:00.000Z', '2021-03-15T08:30:00Z')).toBe(false);
  });

  it('the end of day D is midnight starting D + 1, across months, years and 29 February', () => {
    expect(endOfDay('2021-03-15')).toBe('2021-03-16T00:00:00Z');
    expect(nextDay('2021-01-31')).toBe('2021-02-01');
    expect(nextDay('2024-02-28')).toBe('2024-02-29');
    expect(nextDay('2023-02-28')).toBe('2023-03-01');
    expect(nextDay('2021-12-31')).toBe('2022-01-01');
    expect(isRecordedBefore('2021-03-15T23:59:59.999Z', endOfDay('2021-03-15'))).toBe(true);
    expect(isRecordedBefore('2021-03-16T00:00:00Z', endOfDay('2021-03-15'))).toBe(false);
  });

  it('the end of day D on a school clock at an offset is midnight starting D + 1 there (property), and 02:00 in Almaty on the 16th is after the 15th', () => {
    fc.assert(
      fc.property(fc.integer({ min: Date.UTC(2000, 0, 1), max: Date.UTC(2099, 11, 31) }), fc.integer({ min: -720, max: 840 }), (ms, offset) => {
        const date = new Date(ms).toISOString().slice(0, 10);
        const end = endOfDay(date, offset);
        expect(isInstant(end)).toBe(true);
        // On the school's clock (UTC shifted by the offset), the end is 00:00:00 of the next day.
        expect(new Date(Date.parse(end) + offset * 60_000).toISOString()).toBe(`${nextDay(date)}T00:00:00.000Z`);
        expect(endOfDayChecked(date, offset)).toEqual(E.right(end));
      }),
      { numRuns: 500 },
    );
    // Recorded at 21:00 UTC on the 15th = 02:00 on the 16th in Almaty (UTC+5 since March 2024).
    expect(isRecordedBefore('2025-03-15T21:00:00Z', endOfDay('2025-03-15'))).toBe(true);
    expect(isRecordedBefore('2025-03-15T21:00:00Z', endOfDay('2025-03-15', 300))).toBe(false);
    expect(endOfDay('2025-03-15', 300)).toBe('2025-03-15T19:00:00Z');
    expect(endOfDay('2025-12-31', -300)).toBe('2026-01-01T05:00:00Z');
    expect(endOfDayChecked('2025-03-15', 300.5)).toEqual(E.left(expect.objectContaining({ field: 'utcOffsetMinutes', value: 300.5 })));
    expect(endOfDayChecked('2025-03-15', 900)).toEqual(E.left(expect.objectContaining({ field: 'utcOffsetMinutes', value: 900 })));
  });

  it('bad options from outside are typed errors naming the field and value', () => {
    expect(checkReplayOptions({ ruleSets: [], asOf: '15.03.2021' })).toEqual(E.left(expect.objectContaining({ kind: 'InvalidReplayOptions', field: 'asOf', value: '15.03.2021' })));
    expect(checkReplayOptions({ ruleSets: [], sinceSchoolYear: 21.5 })).toEqual(E.left(expect.objectContaining({ field: 'sinceSchoolYear', value: 21.5 })));
    expect(checkReplayOptions({ ruleSets: [], asOf: '2021-03-16T00:00:00Z', sinceSchoolYear: 2021 })._tag).toBe('Right');
    expect(checkReplayOptions({ ruleSets: [], sealBlocks: 'yes' as unknown as boolean })).toEqual(E.left(expect.objectContaining({ field: 'sealBlocks', value: 'yes' })));
    expect(checkReplayOptions({ ruleSets: [], sealBlocks: true })._tag).toBe('Right');
    expect(endOfDayChecked('2021-02-30')).toEqual(E.left(expect.objectContaining({ field: 'asOf', value: '2021-02-30' })));
    expect(endOfDayChecked('2021-03-15')).toEqual(E.right('2021-03-16T00:00:00Z'));
  });
});
