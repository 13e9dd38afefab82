import * as E from 'fp-ts/Either';
import { pipe } from 'fp-ts/function';
import type * as t from 'io-ts';
import { AttendanceMarkedV1, attendanceMarkedV1ToV2 } from './journal';
import type { EventType } from './registry';

/**
 * An upcaster lifts one event type's payload from schema version `from` to `from + 1`.
 *
 * Events are never rewritten in a store: a v1 event written in 2019 stays v1 forever, and is
 * upcast each time it is read. So every old version stays decodable, and a newer reader sees
 * one shape only.
 */
export type Upcaster = {
  readonly type: EventType;
  readonly from: number;
  readonly upcast: (data: unknown) => E.Either<t.Errors, unknown>;
};

export const upcasters: ReadonlyArray<Upcaster> = [
  {
    type: 'AttendanceMarked',
    from: 1,
    upcast: (data) => pipe(AttendanceMarkedV1.data.decode(data), E.map(attendanceMarkedV1ToV2)),
  },
];

/** The upcaster of a type from a version, if any. */
export const upcasterFor = (type: EventType, from: number): Upcaster | undefined =>
  upcasters.find((u) => u.type === type && u.from === from);
