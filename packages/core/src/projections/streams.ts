import type { RecordedEvent } from '../eventStore/eventStore';

/*
 * Class events other than ClassOpened do not carry their class id: the class is the stream
 * (`class-<classId>`). Projections learn the stream → class mapping from ClassOpened and read
 * the class of every later event from its stream.
 */

export type ClassIdsByStream = ReadonlyMap<string, string>;

/** The class the recorded event belongs to, if it is a class event of a known class. */
export const classIdOf = (classIdsByStream: ClassIdsByStream, recorded: RecordedEvent): string | undefined =>
  recorded.event.type === 'ClassOpened' ? recorded.event.data.classId : classIdsByStream.get(recorded.streamId);

/** The mapping after the event: ClassOpened adds its stream. */
export const withClassStream = (classIdsByStream: ClassIdsByStream, recorded: RecordedEvent): ClassIdsByStream =>
  recorded.event.type === 'ClassOpened' && classIdsByStream.get(recorded.streamId) !== recorded.event.data.classId
    ? new Map(classIdsByStream).set(recorded.streamId, recorded.event.data.classId)
    : classIdsByStream;

/** A copy of a map with one entry set (projections never change a map in place). */
export const setEntry = <K, V>(map: ReadonlyMap<K, V>, key: K, value: V): ReadonlyMap<K, V> => new Map(map).set(key, value);
