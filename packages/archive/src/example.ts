import type { RecordedEvent } from '@grade-ledger/core';

/*
 * The worked example of docs/archive-format.md: a two-event ledger (a school year opened, then
 * an export recorded). A test writes it with the archive writer and checks that the document
 * shows exactly those bytes and digests.
 */
export const exampleEvents: ReadonlyArray<RecordedEvent> = [
  {
    globalPosition: 1,
    streamId: 'schoolYear-2024-2025',
    streamRevision: 0,
    event: {
      type: 'SchoolYearOpened',
      schemaVersion: 1,
      data: {
        schoolYearId: '2024-2025',
        startYear: 2024,
        startsOn: '2024-09-02',
        endsOn: '2025-05-30',
        terms: [{ number: 1, startsOn: '2024-09-02', endsOn: '2024-10-25' }],
        halfYears: [],
        ruleSetId: 'kz-current',
      },
      metadata: {
        eventId: 'open-2024.0',
        occurredAt: '2024-08-20T04:00:00Z',
        recordedAt: '2024-08-20T04:00:01Z',
        actor: { id: 'director-01', role: 'director' },
        correlationId: 'open-2024',
        causationId: 'open-2024',
      },
    },
  },
  {
    globalPosition: 2,
    streamId: 'audit-exports',
    streamRevision: 0,
    event: {
      type: 'ArchiveExported',
      schemaVersion: 1,
      data: {
        purpose: 'Inspection',
        scope: 'ledger',
        pseudonymized: true,
        eventCount: 1,
        firstPosition: 1,
        lastPosition: 1,
        finalDigest: '0'.repeat(64),
        formatVersion: 1,
      },
      metadata: {
        eventId: 'export-1.0',
        occurredAt: '2024-09-01T08:00:00Z',
        recordedAt: '2024-09-01T08:00:00Z',
        actor: { id: 'auditor-01', role: 'auditor' },
        correlationId: 'export-1',
        causationId: 'export-1',
      },
    },
  },
];

/** The markdown block the document shows between its example markers. */
export const renderExample = (text: string, digests: ReadonlyArray<string>): string =>
  [
    '```text',
    text.trimEnd(),
    '```',
    '',
    'Digests, hex (d0 is SHA-256 of line 1; d1, d2 chain the event lines; the manifest line carries d3):',
    '',
    '```text',
    ...digests.map((d, i) => `d${i} = ${d}`),
    '```',
  ].join('\n');
