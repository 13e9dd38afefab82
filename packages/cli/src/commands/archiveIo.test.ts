import { describe, expect, it } from 'vitest';
import { utcOffsetAtEndOf } from './archiveIo';

describe('utcOffsetAtEndOf: where the day of --as-of ends', () => {
  it("reads an IANA zone's offset at the end of that day, across a change of the zone's offset", () => {
    // Almaty: UTC+6 until 1 March 2024, UTC+5 since (the machine's time zone data).
    expect(utcOffsetAtEndOf('2021-03-15', 'Asia/Almaty')).toBe(360);
    expect(utcOffsetAtEndOf('2025-03-15', 'Asia/Almaty')).toBe(300);
    expect(utcOffsetAtEndOf('2021-03-15', 'UTC')).toBe(0);
    expect(utcOffsetAtEndOf('2021-07-15', 'America/New_York')).toBe(-240);
    expect(utcOffsetAtEndOf('2021-01-15', 'America/New_York')).toBe(-300);
  });

  it('takes a fixed offset, and none is UTC; an unknown zone is a usage problem', () => {
    expect(utcOffsetAtEndOf('2021-03-15', '+05:00')).toBe(300);
    expect(utcOffsetAtEndOf('2021-03-15', '-03:30')).toBe(-210);
    expect(utcOffsetAtEndOf('2021-03-15', undefined)).toBe(0);
    expect(() => utcOffsetAtEndOf('2021-03-15', 'Mars/Olympus')).toThrow(/not a time zone/);
  });
});
