import type { RecordedEvent } from '../eventStore/eventStore';
import type { LedgerEvent } from '../events/registry';
import type { SchoolProjections } from './replay';

/*
 * Helpers for the replay and projection tests (not exported from the package).
 */

/** Events of one stream as a store records them, from a global position on. */
export const onStream = (streamId: string, events: ReadonlyArray<LedgerEvent>, firstPosition = 1): ReadonlyArray<RecordedEvent> =>
  events.map((event, i) => ({ event, streamId, streamRevision: i, globalPosition: firstPosition + i }));

/** Every query of the projections, over every class, subject, pupil and mark they know: two replays agree when these are equal. */
export const everyQuery = (p: SchoolProjections) => {
  const classes = p.classes();
  const pupils = [...new Set(classes.flatMap((c) => c.pupilIds))].sort();
  const markIds = [...new Set(p.auditTrail.changes().flatMap((c) => (c.action === 'attendanceCorrected' ? [] : [`${c.classId}\u0000${c.markId}`])))].sort();
  return {
    classes,
    journals: classes.flatMap((c) => c.subjectIds.map((s) => p.classJournal(c.classId, s))),
    termResults: p.termResults(),
    reportCards: pupils.map((pupil) => p.reportCard(pupil)),
    attendance: p.attendanceSummary(),
    attendanceByTerm: [1, 2, 3, 4].map((number) => p.attendanceSummary({ period: { kind: 'term', number } })),
    analytics: (['class', 'classSubject', 'subject', 'teacher'] as const).map((groupBy) => p.classAnalytics({ groupBy })),
    audit: {
      summary: p.auditTrail.summary(),
      changes: p.auditTrail.changes(),
      overrides: p.auditTrail.overrides(),
      grades: p.auditTrail.gradeHistory(),
      types: p.auditTrail.eventsByType(),
      histories: markIds.map((key) => {
        const [classId = '', markId = ''] = key.split('\u0000');
        return p.auditTrail.markHistory(markId, classId);
      }),
    },
  };
};
