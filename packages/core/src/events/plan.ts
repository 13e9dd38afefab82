import * as t from 'io-ts';
import { IdCodec } from '../primitives/ids';
import { LocalDateCodec } from '../primitives/localDate';
import { boundedText, intInRange } from '../primitives/text';
import { defineEvent } from './ledgerEvent';

/*
 * The calendar-thematic plan (КТП: календарно-тематическое планирование / күнтізбелік-тақырыптық
 * жоспар): every lesson of a subject with its date, period, unit and topic, and the summatives.
 */

/** A lesson in the plan: its date, period of the day (1st lesson, 2nd, ...), unit, topic, hours. */
export const LessonPlanned = defineEvent(
  'LessonPlanned',
  1,
  t.readonly(
    t.strict({
      subjectId: IdCodec,
      lessonId: IdCodec,
      date: LocalDateCodec,
      period: intInRange(1, 12),
      /** The section (раздел / бөлім) the lesson belongs to. */
      unit: boundedText(200, 'Unit'),
      topic: boundedText(500, 'Topic'),
      hours: intInRange(1, 4),
    }),
  ),
);
export type LessonPlannedData = t.TypeOf<typeof LessonPlanned.data>;

export const LessonRescheduled = defineEvent(
  'LessonRescheduled',
  1,
  t.readonly(t.strict({ subjectId: IdCodec, lessonId: IdCodec, date: LocalDateCodec, period: intInRange(1, 12) })),
);
export type LessonRescheduledData = t.TypeOf<typeof LessonRescheduled.data>;

export const LessonCancelled = defineEvent(
  'LessonCancelled',
  1,
  t.readonly(t.strict({ subjectId: IdCodec, lessonId: IdCodec })),
);
export type LessonCancelledData = t.TypeOf<typeof LessonCancelled.data>;

export const LessonTopicRevised = defineEvent(
  'LessonTopicRevised',
  1,
  t.readonly(t.strict({ subjectId: IdCodec, lessonId: IdCodec, topic: boundedText(500, 'Topic') })),
);
export type LessonTopicRevisedData = t.TypeOf<typeof LessonTopicRevised.data>;

/** Kinds of summative assessment. */
export const SummativeKindCodec = t.keyof(
  {
    section: null, // СОР (суммативное оценивание за раздел) / БЖБ
    term: null, // СОЧ (суммативное оценивание за четверть) / ТЖБ
  },
  'SummativeKind',
);
export type SummativeKind = t.TypeOf<typeof SummativeKindCodec>;

/** A summative planned on a lesson of the plan, with its maximum points. */
export const SummativePlanned = defineEvent(
  'SummativePlanned',
  1,
  t.readonly(
    t.strict({
      subjectId: IdCodec,
      summativeId: IdCodec,
      lessonId: IdCodec,
      kind: SummativeKindCodec,
      maxPoints: intInRange(1, 100),
    }),
  ),
);
export type SummativePlannedData = t.TypeOf<typeof SummativePlanned.data>;

/** A summative cancelled (e.g. the 2024 flood regions); the rule set says how weights redistribute. */
export const SummativeCancelled = defineEvent(
  'SummativeCancelled',
  1,
  t.readonly(t.strict({ subjectId: IdCodec, summativeId: IdCodec })),
);
export type SummativeCancelledData = t.TypeOf<typeof SummativeCancelled.data>;

/** The deputy director approved a subject's plan (КТП) for the year. */
export const PlanApproved = defineEvent(
  'PlanApproved',
  1,
  t.readonly(t.strict({ subjectId: IdCodec })),
);
export type PlanApprovedData = t.TypeOf<typeof PlanApproved.data>;
