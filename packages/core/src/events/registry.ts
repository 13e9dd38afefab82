import type * as t from 'io-ts';
import { ArchiveExported } from './archive';
import { SchoolYearOpened } from './calendar';
import {
  AttendanceCorrected,
  AttendanceMarked,
  ExemptionGranted,
  FormativeMarkRecorded,
  MarkAnnulled,
  MarkCorrected,
  SummativeScoreModerated,
  SummativeScoreRecorded,
} from './journal';
import type { EventPayloadOf, LedgerEventOf } from './ledgerEvent';
import {
  BulkAccessApproved,
  BulkAccessDeclined,
  BulkAccessRequested,
  PersonalDataBlocked,
  PersonalDataDepersonalised,
  PersonalDataForgotten,
  PersonalDataRead,
  PersonalDataUnblocked,
} from './people';
import {
  LessonCancelled,
  LessonPlanned,
  LessonRescheduled,
  LessonTopicRevised,
  PlanApproved,
  SummativeCancelled,
  SummativePlanned,
} from './plan';
import { PeriodGradeFinalized, ResitResultRecorded, YearGradeFinalized } from './results';
import { ClassOpened, PupilEnrolled, PupilTransferred, PupilWithdrawn, SubjectAssigned } from './roster';

/** Every event type the ledger knows, at its current schema version. */
export const eventDefinitions = {
  SchoolYearOpened,
  ClassOpened,
  SubjectAssigned,
  PupilEnrolled,
  PupilTransferred,
  PupilWithdrawn,
  LessonPlanned,
  LessonRescheduled,
  LessonCancelled,
  LessonTopicRevised,
  SummativePlanned,
  SummativeCancelled,
  PlanApproved,
  FormativeMarkRecorded,
  SummativeScoreRecorded,
  SummativeScoreModerated,
  MarkCorrected,
  MarkAnnulled,
  AttendanceMarked,
  AttendanceCorrected,
  ExemptionGranted,
  PeriodGradeFinalized,
  YearGradeFinalized,
  ResitResultRecorded,
  ArchiveExported,
  PersonalDataBlocked,
  PersonalDataUnblocked,
  PersonalDataDepersonalised,
  PersonalDataForgotten,
  PersonalDataRead,
  BulkAccessRequested,
  BulkAccessApproved,
  BulkAccessDeclined,
} as const;

type Definitions = typeof eventDefinitions;

/** The name of an event type, e.g. `FormativeMarkRecorded`. */
export type EventType = keyof Definitions;

/** The payload (`data`) of an event type at its current schema version. */
export type EventDataOf<T extends EventType> = t.TypeOf<Definitions[T]['data']>;

/** Any ledger event, with its metadata. */
export type LedgerEvent = { [K in EventType]: LedgerEventOf<K, EventDataOf<K>> }[EventType];

/** The ledger event of one type. */
export type LedgerEventOfType<T extends EventType> = Extract<LedgerEvent, { type: T }>;

/** Any event payload as a decider emits it: type and data, without metadata. */
export type EventPayload = { [K in EventType]: EventPayloadOf<K, EventDataOf<K>> }[EventType];

export const eventTypes = Object.keys(eventDefinitions) as ReadonlyArray<EventType>;

export const isEventType = (value: unknown): value is EventType =>
  typeof value === 'string' && Object.prototype.hasOwnProperty.call(eventDefinitions, value);

/** The current schema version of an event type. */
export const currentSchemaVersion = (type: EventType): number => eventDefinitions[type].schemaVersion;
