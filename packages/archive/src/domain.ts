import { deserialize, serialize } from 'node:v8';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import * as E from 'fp-ts/Either';
import {
  classJournalDecider,
  computePeriodResult,
  datesOfPeriod,
  decideClassJournalOfDecoded,
  defaultAccessPolicy,
  evolveOwnedClassJournal,
  initialOwnedClassJournalState,
  explainResult,
  journalRulesFromRuleSets,
  periodMarksOf,
  periodsOfSubject,
  schoolYearDecider,
  wasEnrolledDuring,
  yearGrade,
  type AssessmentPeriod,
  type ClassJournalCommand,
  type ClassJournalState,
  type EventPayload,
  type GradeValue,
  type LedgerEvent,
  type OwnedClassJournalState,
  type RuleSet,
  type SchoolYearCommand,
  type SchoolYearState,
} from '@grade-ledger/core';
import { canonicalJsonUnsafe } from './canonicalJson';

/*
 * The domain check replays an archive through the deciders: for each event of a class or a
 * school year, it rebuilds the command the event came from and asks the decider, on the state
 * folded from the events before it, whether that command would be accepted and what it would
 * record. An accepted command recording exactly the archived payload is a possible history; a
 * refusal or another payload is an impossible one. The grade check recomputes each finalized
 * term, half-year and year grade under the rule set in force for the class.
 */

/** A problem the domain or grade check found, at a 1-based line of the archive. */
export type DomainFinding = {
  readonly line: number;
  readonly check: 'domain' | 'grade';
  readonly eventId: string;
  readonly message: string;
};

/** A finalized grade that differs from what the rules engine computes now. */
export type GradeDifference = {
  readonly line: number;
  readonly eventId: string;
  readonly streamId: string;
  readonly classId: string;
  readonly subjectId: string;
  readonly pupilId: string;
  /** The period, or null for the year grade. */
  readonly period: AssessmentPeriod | null;
  readonly ruleSetId: string;
  readonly finalized: GradeValue;
  readonly recordedRecommendation: GradeValue | null;
  readonly recomputed: GradeValue | null;
  readonly recomputedPercentage: string | null;
  /** True when the recommendation recorded with the grade is the one computed now. */
  readonly recommendationMatches: boolean;
  readonly overrideReasonRecorded: boolean;
  readonly overrideReason: string | null;
  readonly actor: { readonly id: string; readonly role: string };
  /** The rules engine's breakdown (explainResult). */
  readonly explanation: ReadonlyArray<string>;
};

type CommandOf = { readonly type: string; readonly data: Record<string, unknown> };

/**
 * The event's data without the members only the event has. With none to drop, the data itself:
 * the decider reads a command and never changes it.
 */
const without = (data: object, ...keys: ReadonlyArray<string>): Record<string, unknown> => {
  if (keys.length === 0) return data as Record<string, unknown>;
  // Copied member by member rather than spread and `delete`d: a deleted member leaves the object slow to read.
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(data)) if (!keys.includes(key)) out[key] = (data as Record<string, unknown>)[key];
  return out;
};

/** The command (type and data) an event was recorded by. */
export const commandOfEvent = (event: LedgerEvent): CommandOf | undefined => {
  const d = event.data as object;
  switch (event.type) {
    case 'SchoolYearOpened':
      return { type: 'OpenSchoolYear', data: without(d) };
    case 'ClassOpened':
      return { type: 'OpenClass', data: without(d) };
    case 'SubjectAssigned':
      return { type: 'AssignSubject', data: without(d) };
    case 'PupilEnrolled':
      return { type: 'EnrolPupil', data: without(d) };
    case 'PupilTransferred':
      return { type: 'TransferPupil', data: without(d) };
    case 'PupilWithdrawn':
      return { type: 'WithdrawPupil', data: without(d) };
    case 'LessonPlanned':
      return { type: 'PlanLesson', data: without(d) };
    case 'LessonRescheduled':
      return { type: 'RescheduleLesson', data: without(d) };
    case 'LessonCancelled':
      return { type: 'CancelLesson', data: without(d) };
    case 'LessonTopicRevised':
      return { type: 'ReviseLessonTopic', data: without(d) };
    case 'SummativePlanned':
      return { type: 'PlanSummative', data: without(d) };
    case 'SummativeCancelled':
      return { type: 'CancelSummative', data: without(d) };
    case 'PlanApproved':
      return { type: 'ApprovePlan', data: without(d) };
    case 'FormativeMarkRecorded':
      return { type: 'RecordFormativeMark', data: without(d) };
    case 'SummativeScoreRecorded':
      return { type: 'RecordSummativeScore', data: without(d) };
    case 'SummativeScoreModerated':
      return { type: 'ModerateSummativeScore', data: without(d) };
    case 'MarkCorrected':
      return { type: 'CorrectMark', data: without(d, 'supersedesEventId') };
    case 'MarkAnnulled':
      return { type: 'AnnulMark', data: without(d, 'supersedesEventId') };
    case 'AttendanceMarked':
      return { type: 'MarkAttendance', data: without(d) };
    case 'AttendanceCorrected':
      return { type: 'CorrectAttendance', data: without(d, 'supersedesEventId') };
    case 'ExemptionGranted':
      return { type: 'GrantExemption', data: without(d) };
    case 'PeriodGradeFinalized':
      return { type: 'FinalizePeriodGrade', data: without(d, 'recommendation', 'ruleSetId') };
    case 'YearGradeFinalized':
      return { type: 'FinalizeYearGrade', data: without(d, 'recommendation', 'ruleSetId') };
    case 'ResitResultRecorded':
      return { type: 'RecordResitResult', data: { subjectId: event.data.subjectId, pupilId: event.data.pupilId, testGrade: event.data.testGrade } };
    default:
      return undefined;
  }
};

/** The characters `.` does not match in a regular expression without the s flag. */
const LINE_TERMINATOR = /[\n\r\u2028\u2029]/;

/** The command id of an event: its id without the trailing `.<n>`, and n. */
export const commandIdOf = (eventId: string): { readonly commandId: string; readonly index: number } | undefined => {
  // What /^(.+)\.(\d+)$/ matches, without the regular expression (asked once per event): the
  // digits after the last dot, and before it at least one character, none a line terminator.
  const dot = eventId.lastIndexOf('.');
  if (dot < 1 || dot === eventId.length - 1) return undefined;
  for (let i = dot + 1; i < eventId.length; i++) {
    const c = eventId.charCodeAt(i);
    if (c < 48 || c > 57) return undefined;
  }
  const commandId = eventId.slice(0, dot);
  return LINE_TERMINATOR.test(commandId) ? undefined : { commandId, index: Number(eventId.slice(dot + 1)) };
};

/** The first path where two JSON values differ, e.g. `data.recommendation.grade`. */
export const firstDifference = (a: unknown, b: unknown, path = ''): string | undefined => {
  // The usual case, equal leaves (or the same object), without serializing them.
  if (a === b) return undefined;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object') return canonicalJsonUnsafe(a ?? null) === canonicalJsonUnsafe(b ?? null) ? undefined : path || '(root)';
  if (Array.isArray(a) !== Array.isArray(b)) return path || '(root)';
  const keys = new Set([...Object.keys(a as object), ...Object.keys(b as object)]);
  for (const key of [...keys].sort()) {
    const found = firstDifference((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key], path === '' ? key : `${path}.${key}`);
    if (found !== undefined) return found;
  }
  return undefined;
};

/**
 * True only when two JSON values are certainly equal: the same leaves (===), the same members.
 * firstDifference finds nothing then; it is asked (and names the path) only when this says no.
 */
const surelyEqual = (a: unknown, b: unknown): boolean => {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null || Array.isArray(a) !== Array.isArray(b)) return false;
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  for (const key of keys) {
    if (!Object.prototype.hasOwnProperty.call(b, key)) return false;
    if (!surelyEqual((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key])) return false;
  }
  return true;
};

const showValue = (value: unknown): string => (value === undefined ? 'nothing' : JSON.stringify(value));

const valueAt = (value: unknown, path: string): unknown =>
  path.split('.').reduce<unknown>((v, key) => (typeof v === 'object' && v !== null ? (v as Record<string, unknown>)[key] : undefined), value);

/** At most this many findings are kept per check; the rest are counted. */
export const MAX_FINDINGS = 1_000;

type Pending = { readonly streamId: string; readonly commandId: string; readonly events: Array<{ readonly line: number; readonly event: LedgerEvent }> };

const sameGrade = (a: GradeValue | null, b: GradeValue | null): boolean => String(a) === String(b);

const fractionOf = (value: { readonly num: bigint; readonly den: bigint }): string => `${value.num}/${value.den}`;

/** Whether a finalized period grade and its recorded recommendation agree with the recommendation computed now. */
const agreesWithDecided = (data: { readonly grade: GradeValue; readonly recommendation: unknown }, computed: unknown): boolean => {
  const now = computed as { readonly grade: GradeValue; readonly percentage: string | null } | null;
  const recorded = data.recommendation as { readonly grade: GradeValue; readonly percentage: string | null } | null;
  const grade = now?.grade ?? null;
  return sameGrade(recorded?.grade ?? null, grade) && (recorded?.percentage ?? null) === (now?.percentage ?? null) && (grade === null || sameGrade(data.grade, grade));
};

/**
 * A class stream that has had no event for this many events is packed until its next one. In a
 * school's ordinary order every class of the running year has events every few dozen lines, so
 * only finished years' classes (and those of a generated archive, written class after class)
 * are packed; packing or unpacking one costs about 15 to 20 ms, so even a class woken every 20,000
 * events adds about two microseconds an event. Fewer live classes also keep the V8 heap small (whole school:
 * peak RSS about 255 MiB with 20,000, 285 MiB with 100,000).
 */
export const PACK_IDLE_AFTER = 20_000;

export type DomainCheckerOptions = {
  /** Recompute finalized grades (default true). */
  readonly grades?: boolean;
  /** Pack a class's state once its stream has been idle for this many events (default {@link PACK_IDLE_AFTER}). */
  readonly packIdleAfter?: number;
  /**
   * Check with the decider's own decide and evolve (decoding each command, copying the state per
   * event), without packing, and recompute every finalized grade even where the decider's
   * recommendation already settles it: the plain form of the same check, slower; tests compare the two.
   */
  readonly reference?: boolean;
  /** Findings kept (default {@link MAX_FINDINGS}); the rest are counted in `omittedFindings`. */
  readonly maxFindings?: number;
};

/**
 * A class's state while its stream is idle: serialized (v8 structured clone: maps, their order
 * and every member kept) and deflated at level 2, about a seventh of the serialized state (level 6
 * gives a ninth at about three times the deflate time; every class is packed at least once, when
 * its year is over, so the time counts for the whole archive). A class's stream may
 * receive events at any time (the deciders have no clock: a re-sit result in August, a lesson
 * topic revised a year later), so nothing is ever dropped: the state is unpacked, as it was,
 * when its next event comes.
 */
const packState = (state: ClassJournalState): Buffer => deflateRawSync(serialize(state), { level: 2 });
const unpackState = (packed: Buffer): OwnedClassJournalState => deserialize(inflateRawSync(packed)) as OwnedClassJournalState;

/**
 * A streaming domain checker: feed it the archive's events in order (`add`), then `finish`.
 * It keeps one folded state per class and school-year stream: a class's live (folded in place)
 * while its stream has events, packed once it has had none for `packIdleAfter` events, so that
 * memory holds the classes at work, not the whole school's history.
 */
export const domainChecker = (ruleSets: ReadonlyArray<RuleSet>, options: DomainCheckerOptions = {}) => {
  const grades = options.grades ?? true;
  const maxFindings = options.maxFindings ?? MAX_FINDINGS;
  const reference = options.reference ?? false;
  const packIdleAfter = reference ? Number.POSITIVE_INFINITY : Math.max(1, options.packIdleAfter ?? PACK_IDLE_AFTER);
  const sweepEvery = Math.min(10_000, packIdleAfter);
  const rules = journalRulesFromRuleSets(ruleSets);
  const ruleSetsById = new Map(ruleSets.map((r) => [r.id, r] as const));
  const classDecider = classJournalDecider(rules);
  // The decider's own rules (and access policy), without decoding again what the archive's codecs decoded.
  const decideClass = reference ? classDecider.decide : decideClassJournalOfDecoded(rules, defaultAccessPolicy());
  // Folded in place (evolveOwnedClassJournal): the same states as the decider's evolve, without its copies.
  const evolveClass = reference
    ? (state: OwnedClassJournalState, event: LedgerEvent) => classDecider.evolve(state, event) as OwnedClassJournalState
    : evolveOwnedClassJournal;
  const yearDecider = schoolYearDecider(ruleSets.map((r) => r.id));
  const classStates = new Map<string, { state: OwnedClassJournalState; lastEvent: number }>();
  const packedStates = new Map<string, Buffer>();
  let seen = 0;
  let packings = 0;
  let unpackings = 0;
  const classStateOf = (streamId: string): OwnedClassJournalState => {
    const live = classStates.get(streamId);
    if (live !== undefined) return live.state;
    const packed = packedStates.get(streamId);
    if (packed === undefined) return initialOwnedClassJournalState();
    packedStates.delete(streamId);
    unpackings += 1;
    return unpackState(packed);
  };
  const packIdle = (): void => {
    for (const [streamId, live] of classStates)
      if (seen - live.lastEvent >= packIdleAfter) {
        packedStates.set(streamId, packState(live.state));
        classStates.delete(streamId);
        packings += 1;
      }
  };
  const yearStates = new Map<string, SchoolYearState>();
  const findings: DomainFinding[] = [];
  const gradeDifferences: GradeDifference[] = [];
  let checkedEvents = 0;
  let uncheckedEvents = 0;
  let pending: Pending | undefined;
  // The ordinal of the last event added (see `add`): a command's events form a group only when their ordinals follow each other.
  let lastOrdinal = 0;
  let omittedFindings = 0;

  const finding = (line: number, check: DomainFinding['check'], eventId: string, message: string): void => {
    // A wholly broken archive must not fill memory with findings: the first ones say enough.
    if (findings.length < maxFindings) findings.push({ line, check, eventId, message });
    else omittedFindings += 1;
  };

  /**
   * `decided`: the recommendation the decider computed for this very event (a period or year grade) on the same state
   * (the same rule set, marks and engine), when it accepted the command. A grade that agrees
   * with it needs nothing more; the breakdown is computed only for a grade that differs.
   */
  const gradeCheck = (line: number, streamId: string, state: ClassJournalState, event: LedgerEvent, decided?: { readonly recommendation: unknown }): void => {
    if (state.status !== 'open' || (event.type !== 'PeriodGradeFinalized' && event.type !== 'YearGradeFinalized')) return;
    const data = event.data;
    const subject = state.subjects.get(data.subjectId);
    const ruleSetId = state.calendar.ruleSetId;
    const ruleSet = ruleSetsById.get(ruleSetId);
    const eventId = event.metadata.eventId;
    if (subject === undefined) return; // the domain check reports it
    if (ruleSet === undefined) {
      finding(line, 'grade', eventId, `rule set ${ruleSetId} of class ${state.classId} is not known here: the grade cannot be recomputed`);
      return;
    }
    let recomputed: GradeValue | null = null;
    let percentage: string | null = null;
    let explanation: ReadonlyArray<string> = [];
    // The year grade's breakdown, worked out only when the grade differs.
    let explain: (() => ReadonlyArray<string>) | undefined;
    let period: AssessmentPeriod | null = null;
    if (event.type === 'PeriodGradeFinalized' && decided !== undefined && agreesWithDecided(event.data, decided.recommendation)) return;
    // The decider accepted the year grade: every due period was finalized, so its recommendation
    // is the year grade the rules compute below (or null where they compute none).
    if (event.type === 'YearGradeFinalized' && decided !== undefined) {
      const computed = (decided.recommendation as { readonly grade: GradeValue } | null)?.grade ?? null;
      if (sameGrade(event.data.recommendation?.grade ?? null, computed) && (computed === null || sameGrade(event.data.grade, computed))) return;
    }
    if (event.type === 'PeriodGradeFinalized') {
      period = event.data.period;
      const result = computePeriodResult(ruleSet, { gradeLevel: state.gradeLevel, gradingMode: subject.gradingMode, period }, periodMarksOf(rules, state, subject, data.pupilId, period));
      if (E.isLeft(result)) {
        finding(line, 'grade', eventId, `the rules engine cannot recompute this grade: ${result.left.message}`);
        return;
      }
      recomputed = result.right._tag === 'graded' ? result.right.grade : result.right._tag === 'notAssessed' ? 'notAssessed' : null;
      percentage = result.right._tag === 'graded' ? fractionOf(result.right.percentage) : null;
      explanation = explainResult(result.right);
    } else {
      const record = subject.pupils.get(data.pupilId);
      const stays = state.enrolments.get(data.pupilId);
      const due = periodsOfSubject(state.calendar, rules.isHalfYearSubject(ruleSetId, subject.hoursPerWeek)).filter((p) => {
        const dates = datesOfPeriod(state.calendar, p);
        return dates !== undefined && wasEnrolledDuring(stays, dates);
      });
      const grades = due.map((p) => record?.periodGrades.get(`${p.kind}-${p.number}`)?.grade);
      if (subject.gradingMode === 'scored' && grades.every((g): g is GradeValue => g !== undefined) && !grades.some((g) => g === 'notAssessed')) {
        const result = yearGrade(ruleSet, { gradeLevel: state.gradeLevel, periodGrades: grades });
        if (E.isRight(result)) {
          recomputed = result.right.grade;
          const graded = result.right;
          explain = () => explainResult(graded);
        } else explanation = [`The rules engine computes no year grade: ${result.left.message}`];
      }
    }
    const recorded = data.recommendation;
    const recommendationMatches = sameGrade(recorded?.grade ?? null, recomputed) && (event.type === 'YearGradeFinalized' || (recorded?.percentage ?? null) === percentage);
    const differs = recomputed !== null && !sameGrade(data.grade, recomputed);
    if (!differs && recommendationMatches) return;
    if (explain !== undefined) explanation = explain();
    const difference: GradeDifference = {
      line,
      eventId,
      streamId,
      classId: state.classId,
      subjectId: data.subjectId,
      pupilId: data.pupilId,
      period,
      ruleSetId,
      finalized: data.grade,
      recordedRecommendation: recorded?.grade ?? null,
      recomputed,
      recomputedPercentage: percentage,
      recommendationMatches,
      overrideReasonRecorded: data.overrideReason !== undefined,
      overrideReason: data.overrideReason ?? null,
      actor: event.metadata.actor,
      explanation,
    };
    gradeDifferences.push(difference);
    const what = `${period === null ? 'year' : `${period.kind} ${period.number}`} grade of ${data.pupilId} in ${data.subjectId} (class ${state.classId})`;
    if (!recommendationMatches)
      finding(line, 'grade', eventId, `${what}: the recommendation recorded with it (${String(recorded?.grade ?? null)}) is not the one the rules compute (${String(recomputed)})`);
    else if (differs && data.overrideReason === undefined)
      finding(line, 'grade', eventId, `${what}: finalized ${String(data.grade)}, the rules compute ${String(recomputed)}, and no override reason is recorded`);
  };

  const check = (group: Pending): void => {
    const first = group.events[0];
    if (first === undefined) return;
    const { streamId } = group;
    const isClass = streamId.startsWith('class-');
    const isYear = streamId.startsWith('schoolYear-');
    if (!isClass && !isYear) {
      uncheckedEvents += group.events.length;
      return;
    }
    checkedEvents += group.events.length;
    const event = first.event;
    const eventId = event.metadata.eventId;
    const command = commandOfEvent(event);
    const belongs = command !== undefined && (isYear ? event.type === 'SchoolYearOpened' : event.type !== 'SchoolYearOpened');
    const state = isClass ? classStateOf(streamId) : undefined;
    const yearState = isYear ? yearStates.get(streamId) ?? yearDecider.initialState() : undefined;
    if (!belongs || command === undefined) {
      finding(first.line, 'domain', eventId, `a ${event.type} event does not belong in stream ${streamId}`);
    } else {
      const { actor, occurredAt, correlationId, reason } = event.metadata;
      // Two literals rather than a spread of an optional member: built once per command.
      const metadata =
        reason === undefined ? { commandId: group.commandId, actor, occurredAt, correlationId } : { commandId: group.commandId, actor, occurredAt, correlationId, reason };
      const decided: E.Either<{ readonly kind: string; readonly message: string }, ReadonlyArray<EventPayload>> = isClass
        ? decideClass({ type: command.type, data: command.data, metadata } as ClassJournalCommand, state as ClassJournalState)
        : yearDecider.decide({ type: command.type, data: command.data, metadata } as SchoolYearCommand, yearState as SchoolYearState);
      if (isClass && state !== undefined && grades) {
        const payload = E.isRight(decided) ? decided.right[0] : undefined;
        gradeCheck(first.line, streamId, state, event, !reference && payload !== undefined && payload.type === event.type && (payload.type === 'PeriodGradeFinalized' || payload.type === 'YearGradeFinalized') ? { recommendation: payload.data.recommendation } : undefined);
      }
      if (E.isLeft(decided)) {
        finding(first.line, 'domain', eventId, `${event.type}: the ledger's rules refuse the command ${command.type} here (${decided.left.kind}): ${decided.left.message}`);
      } else {
        const emitted = decided.right;
        group.events.forEach(({ line, event: recorded }, index) => {
          const payload = emitted[index];
          if (payload === undefined) {
            finding(line, 'domain', recorded.metadata.eventId, `${recorded.type}: command ${group.commandId} records ${emitted.length} event(s); this one is extra`);
            return;
          }
          const difference =
            payload.type === recorded.type && surelyEqual(payload.data, recorded.data)
              ? undefined
              : firstDifference({ type: payload.type, data: payload.data }, { type: recorded.type, data: recorded.data });
          if (difference !== undefined)
            finding(
              line,
              'domain',
              recorded.metadata.eventId,
              `${recorded.type}: ${difference} is ${showValue(valueAt({ type: recorded.type, data: recorded.data }, difference))}, but the command would record ${showValue(valueAt(payload, difference))}`,
            );
        });
        if (emitted.length > group.events.length)
          finding(group.events[group.events.length - 1]?.line ?? first.line, 'domain', eventId, `command ${group.commandId} records ${emitted.length} events; the archive holds ${group.events.length}`);
      }
    }
    // Fold the history as recorded, so that later checks judge it as it stands.
    if (isClass) {
      let next = state as OwnedClassJournalState;
      for (const { event: recorded } of group.events) next = evolveClass(next, recorded);
      classStates.set(streamId, { state: next, lastEvent: seen });
    } else {
      let next = yearState as SchoolYearState;
      for (const { event: recorded } of group.events) next = yearDecider.evolve(next, recorded);
      yearStates.set(streamId, next);
    }
  };

  return {
    /**
     * Adds the event read at `line`; checks the previous command's events once it is complete.
     * `ordinal`: the event's number among all the events added to the domain check of the
     * archive, in line order (default: the one after the last added here). A checker that is
     * given only some streams' events (a verify worker's shard) is given their ordinals, so that
     * an event added elsewhere in between breaks a command's group here too, as it does on one
     * thread; class and school-year streams are otherwise independent (a decider reads only its
     * stream's state).
     */
    add: (line: number, streamId: string, event: LedgerEvent, ordinal: number = lastOrdinal + 1): void => {
      seen += 1;
      if (seen % sweepEvery === 0) packIdle();
      const follows = ordinal === lastOrdinal + 1;
      lastOrdinal = ordinal;
      const ids = commandIdOf(event.metadata.eventId);
      if (ids === undefined) {
        if (pending !== undefined) check(pending);
        pending = undefined;
        if (streamId.startsWith('class-') || streamId.startsWith('schoolYear-'))
          finding(line, 'domain', event.metadata.eventId, `event id ${event.metadata.eventId} is not <commandId>.<n>: the command cannot be rebuilt`);
        return;
      }
      if (follows && pending !== undefined && pending.streamId === streamId && pending.commandId === ids.commandId && ids.index === pending.events.length) {
        pending.events.push({ line, event });
        return;
      }
      if (pending !== undefined) check(pending);
      pending = { streamId, commandId: ids.commandId, events: [{ line, event }] };
      if (ids.index !== 0) finding(line, 'domain', event.metadata.eventId, `event ${event.metadata.eventId} is event ${ids.index} of command ${ids.commandId}, whose earlier events are not before it`);
    },
    finish: (): void => {
      if (pending !== undefined) check(pending);
      pending = undefined;
    },
    findings: (): ReadonlyArray<DomainFinding> => findings,
    gradeDifferences: (): ReadonlyArray<GradeDifference> => gradeDifferences,
    counts: (): DomainCounts => ({ checkedEvents, uncheckedEvents, omittedFindings }),
    /** Class states live and packed now, and how often states were packed and unpacked. */
    memory: () => ({ liveClasses: classStates.size, packedClasses: packedStates.size, packedBytes: [...packedStates.values()].reduce((n, b) => n + b.length, 0), packings, unpackings }),
  };
};

export type DomainCounts = { readonly checkedEvents: number; readonly uncheckedEvents: number; readonly omittedFindings: number };

/** What a domain checker found, as a verify worker sends it back (plain data). */
export type DomainResult = {
  readonly findings: ReadonlyArray<DomainFinding>;
  readonly gradeDifferences: ReadonlyArray<GradeDifference>;
  readonly counts: DomainCounts;
};

/** The finished result of a domain checker. */
export const domainResultOf = (checker: ReturnType<typeof domainChecker>): DomainResult => ({
  findings: checker.findings(),
  gradeDifferences: checker.gradeDifferences(),
  counts: checker.counts(),
});

/** Merges sorted lists by line, stably (no line is in two lists: each is one shard's streams). */
const mergedByLine = <T extends { readonly line: number }>(lists: ReadonlyArray<ReadonlyArray<T>>): T[] => {
  const out: T[] = [];
  const at = lists.map(() => 0);
  for (;;) {
    let best = -1;
    for (let i = 0; i < lists.length; i++) {
      const item = (lists[i] as ReadonlyArray<T>)[at[i] as number];
      if (item !== undefined && (best < 0 || item.line < ((lists[best] as ReadonlyArray<T>)[at[best] as number] as T).line)) best = i;
    }
    if (best < 0) return out;
    out.push((lists[best] as ReadonlyArray<T>)[at[best] as number] as T);
    at[best] = (at[best] as number) + 1;
  }
};

/**
 * The result one checker would have given for all the events, from the results of checkers
 * given disjoint sets of streams (with their global ordinals). Each checker pushes its findings
 * in line order and keeps its first MAX_FINDINGS; one over all the events keeps the first
 * MAX_FINDINGS by line of them all, each of which is among its own checker's first: so the
 * merge by line, cut at MAX_FINDINGS, is that list, and the rest are counted.
 */
export const mergeDomainResults = (parts: ReadonlyArray<DomainResult>, maxFindings = MAX_FINDINGS): DomainResult => {
  const all = mergedByLine(parts.map((p) => p.findings));
  const kept = all.slice(0, maxFindings);
  const sum = (key: keyof DomainCounts): number => parts.reduce((n, p) => n + p.counts[key], 0);
  return {
    findings: kept,
    gradeDifferences: mergedByLine(parts.map((p) => p.gradeDifferences)),
    counts: { checkedEvents: sum('checkedEvents'), uncheckedEvents: sum('uncheckedEvents'), omittedFindings: sum('omittedFindings') + (all.length - kept.length) },
  };
};
