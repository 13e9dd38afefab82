import * as fc from 'fast-check';
import * as E from 'fp-ts/Either';
import { describe, expect, it } from 'vitest';
import { arbClassHistory } from '@grade-ledger/testing';
import { journalRulesFromRuleSets } from '../classJournal/journalRulesFromRuleSets';
import { evolveClassJournal, initialClassJournalState } from '../classJournal/state';
import { foldEvents } from '../decider/decider';
import { kazakhstanRuleSets } from '../rules/kazakhstan';
import { replayEvents } from '../replay/replay';
import { onStream } from '../replay/testSupport';

/*
 * The class journal view is a fold of the class's events: for any prefix of a class's history
 * (the journal as it stood after each event), it shows what the class journal's own fold (the
 * decider's state) holds: plan, summatives, stays, marks, absences, exemptions, finalized grades.
 */

const shipped = kazakhstanRuleSets();
if (E.isLeft(shipped)) throw new Error(shipped.left.message);
const ruleSets = shipped.right;
const histories = arbClassHistory({ rules: journalRulesFromRuleSets(ruleSets) });

describe('class journal view against the class journal fold', () => {
  it('shows, after any prefix of the events, what the decider state holds', () => {
    fc.assert(
      fc.property(histories, fc.nat(), (history, cut) => {
        const events = onStream(history.streamId, history.events);
        const prefix = events.slice(0, cut % (events.length + 1));
        const state = foldEvents({ evolve: evolveClassJournal, initialState: initialClassJournalState }, prefix.map((e) => e.event));
        const p = replayEvents(prefix, { ruleSets });
        if (state.status !== 'open') {
          expect(p.classes()).toEqual([]);
          return;
        }
        for (const subject of state.subjects.values()) {
          const view = p.classJournal(state.classId, subject.subjectId);
          if (view === null) throw new Error('no journal');
          expect([view.teacherId, view.hoursPerWeek, view.gradingMode, view.planApproved]).toEqual([subject.teacherId, subject.hoursPerWeek, subject.gradingMode, subject.planApproved]);
          expect(view.lessons.map((l) => [l.lessonId, l.date, l.period, l.topic, l.cancelled]).sort()).toEqual(
            [...subject.lessons.values()].map((l) => [l.lessonId, l.date, l.period, l.topic, l.cancelled]).sort(),
          );
          expect(view.summatives.map((s) => [s.summativeId, s.lessonId, s.kind, s.maxPoints, s.cancelled])).toEqual(
            [...subject.summatives.values()].map((s) => [s.summativeId, s.lessonId, s.kind, s.maxPoints, s.cancelled]).sort((a, b) => (String(a[0]) < String(b[0]) ? -1 : 1)),
          );
          expect(view.pupils.map((x) => x.pupilId)).toEqual([...state.enrolments.keys()]);
          for (const pupil of view.pupils) {
            expect(pupil.stays).toEqual((state.enrolments.get(pupil.pupilId) ?? []).map((s) => ({ from: s.from, until: s.until ?? null })));
            const record = subject.pupils.get(pupil.pupilId);
            const marks = [...(record?.marks ?? new Map()).entries()]
              .filter(([, m]) => !m.annulled)
              .map(([markId, m]) => (m.kind === 'formative' ? [markId, m.lessonId, m.mark] : [markId, m.summativeId, m.points]));
            expect(pupil.marks.map((m) => [m.markId, m.lessonId ?? m.summativeId, m.value])).toEqual(marks);
            const absences = [...(record?.attendance ?? new Map()).entries()].filter(([, a]) => a.code !== 'present').map(([id, a]) => [id, a.lessonId, a.code]);
            expect(pupil.attendance.map((a) => [a.attendanceId, a.lessonId, a.code])).toEqual(absences);
            expect(pupil.exemptions.map((x) => [x.exemptionId, x.from, x.to])).toEqual((record?.exemptions ?? []).map((x) => [x.exemptionId, x.from, x.to]));
            expect(pupil.periodGrades.map((g) => [`${g.period.kind}-${g.period.number}`, g.grade]).sort()).toEqual(
              [...(record?.periodGrades ?? new Map()).entries()].map(([key, g]) => [key, g.grade]).sort(),
            );
            expect(pupil.yearGrade?.grade ?? null).toEqual(record?.yearGrade ?? null);
            expect(pupil.finalGrade).toEqual(record?.finalGrade ?? null);
          }
        }
      }),
      { numRuns: 80 },
    );
  });
});
