import type { RecordedEvent } from '../eventStore/eventStore';
import type { Actor } from '../events/metadata';
import { currentSchemaVersion, type EventPayload, type LedgerEvent } from '../events/registry';

/*
 * A small class for the read side's example tests (not exported from the package): one stream,
 * events recorded at chosen instants by chosen actors.
 */

export const teacher: Actor = { id: 'teacher-01', role: 'subjectTeacher' };
export const director: Actor = { id: 'director-01', role: 'director' };

export const calendar2020 = {
  schoolYearId: '2020-2021',
  startsOn: '2020-09-01',
  endsOn: '2021-05-25',
  terms: [
    { number: 1, startsOn: '2020-09-01', endsOn: '2020-10-30' },
    { number: 2, startsOn: '2020-11-09', endsOn: '2020-12-29' },
    { number: 3, startsOn: '2021-01-11', endsOn: '2021-03-19' },
    { number: 4, startsOn: '2021-03-29', endsOn: '2021-05-25' },
  ],
  halfYears: [
    { number: 1, startsOn: '2020-09-01', endsOn: '2020-12-29' },
    { number: 2, startsOn: '2021-01-11', endsOn: '2021-05-25' },
  ],
  ruleSetId: 'kz-older',
};

/** Builds a stream's events step by step: `at(payloads, recordedAt, …)` appends them. */
export const classStream = (streamId: string) => {
  const events: RecordedEvent[] = [];
  let n = 0;
  const at = (payloads: ReadonlyArray<EventPayload>, recordedAt: string, actor: Actor = teacher, reason?: string, occurredAt: string = recordedAt): void => {
    const prefix = `e${n++}`;
    payloads.forEach((payload, index) => {
      // Event ids `e<step>.<index>`, as the testing package's asLedgerEvents makes them.
      const eventId = `${prefix}.${index}`;
      const metadata = { eventId, occurredAt, recordedAt, actor, correlationId: eventId, causationId: eventId, ...(reason === undefined ? {} : { reason }) };
      const event = { type: payload.type, schemaVersion: currentSchemaVersion(payload.type), data: payload.data, metadata } as LedgerEvent;
      events.push({ event, streamId, streamRevision: events.length, globalPosition: events.length + 1 });
    });
  };
  return { events, at };
};
