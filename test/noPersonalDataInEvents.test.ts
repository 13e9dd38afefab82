/**
 * Events are immutable and copied into every archive and export, so they must carry no
 * personal data (Law 94-V "On personal data and their protection"): people appear only by
 * opaque ids, and names, national ids and contacts live in records of their own that can be
 * destroyed. This test walks every event's io-ts codec structurally and fails on a field whose
 * name could carry personal data, on a person reference that is not an opaque id, and on
 * free-form keys or untyped content where anything could hide.
 */
import * as t from 'io-ts';
import { describe, expect, it } from 'vitest';
import { AttendanceMarkedV1, EventMetadataCodec, eventDefinitions, IdCodec } from '@grade-ledger/core';

/** Words of field names that could carry personal data (matched case-insensitively; see {@link personalDataWordIn}). */
const PERSONAL_DATA_WORDS = [
  'name',
  'firstname',
  'lastname',
  'surname',
  'fullname',
  'middlename',
  'patronymic',
  'iin', // ИИН, the national id number
  'nationalid',
  'passport',
  'birth',
  'dob',
  'age',
  'gender',
  'phone',
  'mobile',
  'email',
  'mail',
  'address',
  'contact',
  'parentname',
  'guardian',
  'photo',
  'login',
  'password',
  'diagnosis',
  'nationality',
  'ethnicity',
];

/** A field referring to a person: `pupilId`, `teacherId`, `classTeacherId`, `actor.id`... */
const PERSON_WORDS = /(pupil|student|teacher|staff|parent|guardian|person|user|actor|director|deputy|auditor)/i;

type Field = { readonly path: string; readonly name: string; readonly parent: string; readonly codec: t.Mixed };
type Problem = { readonly path: string; readonly why: string };

type Tagged = t.Mixed & {
  readonly _tag?: string;
  readonly props?: t.Props;
  readonly type?: t.Mixed;
  readonly types?: ReadonlyArray<t.Mixed>;
};

/** Content whose keys or values are not described by the codec. */
const UNSTRUCTURED = new Set(['DictionaryType', 'AnyDictionaryType', 'UnknownType', 'AnyType', 'ObjectType', 'AnyArrayType', 'FunctionType']);

/**
 * Every field of a codec, with its dotted path (`terms[].startsOn`), through interfaces, exact,
 * partial, readonly, refinement, intersection, union, tuple and array codecs; and the places
 * where the content is not described at all.
 */
export const walkCodec = (codec: t.Mixed, path = '', parent = ''): { fields: ReadonlyArray<Field>; problems: ReadonlyArray<Problem> } => {
  const c = codec as Tagged;
  const at = path === '' ? '(root)' : path;
  switch (c._tag) {
    case 'InterfaceType':
    case 'StrictType':
    case 'PartialType': {
      const results = Object.entries(c.props ?? {}).map(([name, sub]) => {
        const subPath = path === '' ? name : `${path}.${name}`;
        const inner = walkCodec(sub, subPath, name);
        return { fields: [{ path: subPath, name, parent, codec: sub }, ...inner.fields], problems: inner.problems };
      });
      return { fields: results.flatMap((r) => r.fields), problems: results.flatMap((r) => r.problems) };
    }
    case 'ExactType':
    case 'ReadonlyType':
    case 'RefinementType':
    case 'RecursiveType':
      return walkCodec(c.type!, path, parent);
    case 'ArrayType':
    case 'ReadonlyArrayType':
      return walkCodec(c.type!, `${path}[]`, parent);
    case 'IntersectionType':
    case 'UnionType':
    case 'TupleType': {
      const results = (c.types ?? []).map((sub) => walkCodec(sub, path, parent));
      return { fields: results.flatMap((r) => r.fields), problems: results.flatMap((r) => r.problems) };
    }
    default:
      return c._tag !== undefined && UNSTRUCTURED.has(c._tag)
        ? { fields: [], problems: [{ path: at, why: `${c._tag} (${c.name}): content the codec does not describe could carry personal data` }] }
        : { fields: [], problems: [] };
  }
};

/** The words of a field name: `date_of_birth` → date, of, birth; `parentName` → parent, name. */
const wordsOf = (name: string): ReadonlyArray<string> =>
  name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .split(/[^A-Za-z0-9]+/)
    .filter((w) => w !== '')
    .map((w) => w.toLowerCase());

/**
 * The personal-data word a field name contains, if any. Short words (`iin`, `dob`, `age`) must
 * be a whole word of the name, so that `percentage` is not an age; longer ones may be part of
 * one, so that `pupilname` is still a name.
 */
const personalDataWordIn = (name: string): string | undefined => {
  const words = wordsOf(name);
  const joined = words.join('');
  return PERSONAL_DATA_WORDS.find((w) =>
    w.length < 4 ? words.some((word) => word === w || word === `${w}s`) : joined.includes(w),
  );
};

const isPersonReference = (field: Field): boolean =>
  (/Id$/.test(field.name) && PERSON_WORDS.test(field.name.slice(0, -2))) || (field.name === 'id' && PERSON_WORDS.test(field.parent));

/** What is wrong with a codec, as far as personal data goes; empty when nothing is. */
export const personalDataProblems = (codec: t.Mixed): ReadonlyArray<Problem> => {
  const { fields, problems } = walkCodec(codec);
  return [
    ...problems,
    ...fields.flatMap((field): ReadonlyArray<Problem> => {
      const word = personalDataWordIn(field.name);
      return word === undefined ? [] : [{ path: field.path, why: `the field name contains "${word}": it could carry personal data` }];
    }),
    ...fields
      .filter(isPersonReference)
      .flatMap((field): ReadonlyArray<Problem> =>
        field.codec === IdCodec ? [] : [{ path: field.path, why: `a person reference must be an opaque id (IdCodec), not ${field.codec.name}` }],
      ),
  ];
};

/** Every codec an event is made of: the data codec of each type at each known version, and the metadata. */
const eventCodecs: ReadonlyArray<readonly [string, t.Mixed]> = [
  ...Object.values(eventDefinitions).map((d) => [`${d.type} v${d.schemaVersion} data`, d.data as t.Mixed] as const),
  [`AttendanceMarked v${AttendanceMarkedV1.schemaVersion} data`, AttendanceMarkedV1.data as t.Mixed],
  ['event metadata', EventMetadataCodec as t.Mixed],
];

describe('no personal data in events', () => {
  it.each(eventCodecs)('%s has no field that could carry personal data', (label, codec) => {
    const problems = personalDataProblems(codec);
    if (problems.length > 0) console.error(`${label}:\n${problems.map((p) => `  ${p.path}: ${p.why}`).join('\n')}`);
    expect(problems).toEqual([]);
  });

  it('refers to pupils and staff only by opaque ids', () => {
    const references = eventCodecs.flatMap(([label, codec]) =>
      walkCodec(codec)
        .fields.filter(isPersonReference)
        .map((f) => ({ label, path: f.path, isId: f.codec === IdCodec })),
    );
    const paths = new Set(references.map((r) => r.path));
    for (const expected of ['pupilId', 'teacherId', 'classTeacherId', 'actor.id']) expect(paths).toContain(expected);
    expect(references.filter((r) => !r.isId)).toEqual([]);
  });

  it('walks into every part of an event codec', () => {
    const paths = (codec: t.Mixed) => walkCodec(codec).fields.map((f) => f.path);
    expect(paths(eventDefinitions.SchoolYearOpened.data)).toEqual(expect.arrayContaining(['schoolYearId', 'terms', 'terms[].startsOn', 'halfYears[].number']));
    expect(paths(eventDefinitions.PeriodGradeFinalized.data)).toEqual(
      expect.arrayContaining(['pupilId', 'period.kind', 'period.number', 'recommendation.grade', 'recommendation.percentage', 'overrideReason']),
    );
    expect(paths(eventDefinitions.ClassOpened.data)).toEqual(expect.arrayContaining(['classTeacherId', 'calendar.terms[].endsOn', 'calendar.ruleSetId']));
    expect(paths(eventDefinitions.MarkCorrected.data)).toEqual(expect.arrayContaining(['value.mark', 'value.points']));
    expect(paths(EventMetadataCodec)).toEqual(expect.arrayContaining(['actor.id', 'actor.role', 'reason']));
  });
});

describe('the personal-data walker', () => {
  const planted = t.readonly(
    t.strict({
      pupilId: IdCodec,
      guardian: t.intersection([t.type({ relation: t.string }), t.partial({ parentName: t.string })]),
      contacts: t.readonlyArray(t.union([t.type({ phoneNumber: t.string }), t.exact(t.type({ Email: t.string }))])),
      teacherId: t.string,
      record: t.type({ IIN: t.refinement(t.string, (s) => /^\d{12}$/.test(s)), date_of_birth: t.string }),
      actor: t.type({ id: t.string, role: t.string }),
      pupil_age: t.number,
      percentage: t.string,
      pupilname: t.string,
      notes: t.record(t.string, t.string),
    }),
  );

  it('finds every planted field, at any depth, and every loose person reference', () => {
    expect(personalDataProblems(planted).map((p) => p.path).sort()).toEqual(
      [
        'actor.id',
        'contacts',
        'contacts[].Email',
        'contacts[].phoneNumber',
        'guardian',
        'guardian.parentName',
        'notes',
        'pupil_age',
        'pupilname',
        'record.IIN',
        'record.date_of_birth',
        'teacherId',
      ].sort(),
    );
  });

  it('says why', () => {
    const problems = personalDataProblems(planted);
    expect(problems).toContainEqual({ path: 'guardian.parentName', why: 'the field name contains "name": it could carry personal data' });
    expect(problems).toContainEqual({ path: 'teacherId', why: 'a person reference must be an opaque id (IdCodec), not string' });
  });

  it('passes a codec with people by id only', () => {
    expect(personalDataProblems(t.readonly(t.strict({ pupilId: IdCodec, mark: t.number, actor: t.type({ id: IdCodec }) })))).toEqual([]);
  });
});
