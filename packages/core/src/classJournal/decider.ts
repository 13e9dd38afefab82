import { defaultAccessPolicy, type AccessPolicy } from '../access/policy';
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
 *
 * Writes are gated by the school's access policy (`accessPolicy`, default
 * {@link defaultAccessPolicy}): the actor's role must have a `journal.write` scope reaching the
 * class (`all`, `ownClass`: its class teacher, `taughtClasses`: a teacher of one of its subjects),
 * or the command is refused with `WriteRefused`. The policy is a parameter, never a global.
 */
export type ClassJournalDeciderOptions = { readonly accessPolicy?: AccessPolicy };

export const classJournalDecider = (
  rules: JournalRules,
  options: ClassJournalDeciderOptions = {},
): Decider<ClassJournalState, ClassJournalCommand, EventPayload, LedgerEvent, ClassJournalError> => ({
  decide: decideClassJournal(rules, options.accessPolicy ?? defaultAccessPolicy()),
  evolve: evolveClassJournal,
  initialState: initialClassJournalState,
});
