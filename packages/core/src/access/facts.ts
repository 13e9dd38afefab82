import type { RecordedEvent } from '../eventStore/eventStore';
import type { AccessFacts } from './policy';

/*
 * The access facts the class streams hold: who leads each class (ClassOpened), who teaches in
 * it (SubjectAssigned) and which pupils it has had (PupilEnrolled). A pure fold of recorded
 * events; the pupil–parent links come from the people records (`withFamilyLinks`).
 */

/** Class events other than ClassOpened do not name their class: the class is the stream. */
export type AccessFactsState = { readonly facts: AccessFacts; readonly classIdsByStream: ReadonlyMap<string, string> };

export const initialAccessFactsState = (): AccessFactsState => ({
  facts: { classTeachers: new Map(), teachers: new Map(), pupils: new Map(), children: new Map() },
  classIdsByStream: new Map(),
});

const adding = <K, V>(map: ReadonlyMap<K, ReadonlyArray<V>>, key: K, value: V): ReadonlyMap<K, ReadonlyArray<V>> => {
  const known = map.get(key) ?? [];
  return known.includes(value) ? map : new Map(map).set(key, [...known, value]);
};

export const evolveAccessFacts = (state: AccessFactsState, recorded: RecordedEvent): AccessFactsState => {
  const { event } = recorded;
  if (event.type !== 'ClassOpened' && event.type !== 'SubjectAssigned' && event.type !== 'PupilEnrolled') return state;
  const classIdsByStream =
    event.type === 'ClassOpened' && state.classIdsByStream.get(recorded.streamId) !== event.data.classId
      ? new Map(state.classIdsByStream).set(recorded.streamId, event.data.classId)
      : state.classIdsByStream;
  const classId = event.type === 'ClassOpened' ? event.data.classId : classIdsByStream.get(recorded.streamId);
  if (classId === undefined) return state;
  const { facts } = state;
  switch (event.type) {
    case 'ClassOpened':
      return { classIdsByStream, facts: { ...facts, classTeachers: new Map(facts.classTeachers).set(classId, event.data.classTeacherId) } };
    case 'SubjectAssigned':
      return { classIdsByStream, facts: { ...facts, teachers: adding(facts.teachers, classId, event.data.teacherId) } };
    case 'PupilEnrolled':
      return { classIdsByStream, facts: { ...facts, pupils: adding(facts.pupils, classId, event.data.pupilId) } };
  }
};

/** The access-facts projection: fold it with `foldEvents`, then take `.facts`. */
export const accessFactsProjection = { evolve: evolveAccessFacts, initialState: initialAccessFactsState } as const;
