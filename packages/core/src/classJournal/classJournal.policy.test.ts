/**
 * The school's access policy in front of the class journal: the decider takes the policy as a
 * parameter and enforces its `journal.write` scopes with the class teacher and subject teachers
 * of its own state, before the journal's finer rules.
 */
import * as E from 'fp-ts/Either';
import { describe, expect, it } from 'vitest';
import { defaultAccessPolicy, type AccessPolicy, type Scope } from '../access/policy';
import { foldEvents } from '../decider/decider';
import type { ActorRole } from '../events/metadata';
import { classJournalDecider } from './decider';
import { actors, after, classWithPlan, command, formativeMark, mathLessons, openClass, pupils, rules, subjects } from './testFixtures';

const withWrite = (role: ActorRole, write: ReadonlyArray<Scope>, policy: AccessPolicy = defaultAccessPolicy()): AccessPolicy => ({
  ...policy,
  roles: { ...policy.roles, [role]: { ...policy.roles[role], journal: { ...policy.roles[role].journal, write } } },
});

const under = (policy: AccessPolicy) => {
  const decider = classJournalDecider(rules, { accessPolicy: policy });
  return (history: typeof classWithPlan, c: ReturnType<typeof command>) => decider.decide(c, foldEvents(decider, history));
};

const mark = formativeMark(pupils.strong, mathLessons.t1a.id, 8);
const absence = command('MarkAttendance', { subjectId: subjects.math, attendanceId: 'att-1', lessonId: mathLessons.t1a.id, pupilId: pupils.strong, code: 'illness' }, actors.classTeacher);
const enrol = command('EnrolPupil', { pupilId: 'pupil-099', on: '2019-10-01' }, actors.deputy);

describe('the class journal under the school’s access policy', () => {
  it('takes the default policy when none is given, and accepts what the journal’s rules accept', () => {
    for (const c of [mark, absence, enrol]) {
      expect(E.isRight(under(defaultAccessPolicy())(classWithPlan, c))).toBe(true);
      expect(E.isRight(classJournalDecider(rules).decide(c, foldEvents(classJournalDecider(rules), classWithPlan)))).toBe(true);
    }
  });

  it('refuses the subject’s own teacher when the school’s policy gives subject teachers no journal write scope, naming actor, role, journal and scopes', () => {
    const refused = under(withWrite('subjectTeacher', []))(classWithPlan, mark);
    expect(refused).toEqual(
      E.left({
        kind: 'WriteRefused',
        actor: actors.math,
        role: 'subjectTeacher',
        resource: 'the journal of class 2019-5A',
        scopes: [],
        message: "subjectTeacher staff-math may not write to the journal of class 2019-5A: the role's journal write scopes (none) do not reach it",
      }),
    );
  });

  it('lets the class teacher mark attendance by the ownClass scope only', () => {
    expect(E.isRight(under(withWrite('classTeacher', ['ownClass']))(classWithPlan, absence))).toBe(true);
    // The class teacher teaches no subject of 5А: taughtClasses does not reach it.
    expect(under(withWrite('classTeacher', ['taughtClasses']))(classWithPlan, absence)).toMatchObject({ left: { kind: 'WriteRefused', role: 'classTeacher', scopes: ['taughtClasses'] } });
    expect(under(withWrite('classTeacher', ['self', 'ownChildren']))(classWithPlan, absence)).toMatchObject({ left: { kind: 'WriteRefused' } });
  });

  it('confines a deputy director whose school gives them ownClass only to the classes they lead', () => {
    const policy = withWrite('deputyDirector', ['ownClass']);
    expect(under(policy)(classWithPlan, enrol)).toMatchObject({ left: { kind: 'WriteRefused', actor: actors.deputy, scopes: ['ownClass'] } });
    // A class they lead: the gate opens, and the journal's rules accept the enrolment.
    const led = after([], openClass({ classTeacherId: actors.deputy.id }));
    expect(under(policy)(led, enrol)).toEqual(E.right([{ type: 'PupilEnrolled', data: { pupilId: 'pupil-099', on: '2019-10-01' } }]));
  });

  it('never lets the policy grant more than the journal’s own rules: an auditor given every class still may not mark', () => {
    const policy = withWrite('auditor', ['all']);
    const refused = under(policy)(classWithPlan, { ...mark, metadata: { ...mark.metadata, actor: actors.auditor } });
    expect(refused).toMatchObject({ left: { kind: 'NotEntitled', actor: actors.auditor } });
  });

  it('opens a class only for a role whose scopes reach every class: a new class has no teachers yet', () => {
    expect(under(withWrite('director', ['ownClass', 'taughtClasses']))([], openClass())).toMatchObject({
      left: { kind: 'WriteRefused', role: 'director' },
    });
    expect(under(withWrite('director', ['all']))([], openClass())._tag).toBe('Right');
  });
});
