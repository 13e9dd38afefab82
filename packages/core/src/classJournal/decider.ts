import type { Decider } from '../decider/decider';
import type { EventPayload, LedgerEvent } from '../events/registry';
import type { ClassJournalCommand } from './commands';
import { decideClassJournal } from './decide';
import type { ClassJournalError } from './errors';
import type { JournalRules } from './journalRules';
import { evolveClassJournal, initialClassJournalState, type ClassJournalState } from './state';

/** The name of a class's stream: one stream per class and school year. */
export const classStreamId = (classId: string): string => `class-${classId}`;

/**
 * The decider of a class's stream: roster, plan (КТП), journal and results of one class in
 * one school year. It is one consistency boundary because its rules cross those parts: a mark
 * needs the pupil enrolled on the lesson's date, the lesson planned, the period not finalized;
 * at most three СОЧ a day counts all the class's subjects.
 */
export const classJournalDecider = (
  rules: JournalRules,
): Decider<ClassJournalState, ClassJournalCommand, EventPayload, LedgerEvent, ClassJournalError> => ({
  decide: decideClassJournal(rules),
  evolve: evolveClassJournal,
  initialState: initialClassJournalState,
});
