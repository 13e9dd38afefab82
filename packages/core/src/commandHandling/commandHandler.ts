import * as E from 'fp-ts/Either';
import type { Decider } from '../decider/decider';
import type { EventPayload, LedgerEvent } from '../events/registry';
import { formatIssues, showValue, validationIssues, type ValidationIssue } from '../events/validationIssues';
import type { EventStoreError } from '../eventStore/errors';
import type { EventStore } from '../eventStore/eventStore';
import type { Instant } from '../primitives/instant';
import { CommandMetadataCodec, recordedEventsOf, type Command } from './command';

/** The command's metadata (actor, ids, time) failed validation; nothing was written. */
export type InvalidCommandMetadata = {
  readonly kind: 'InvalidCommandMetadata';
  readonly issues: ReadonlyArray<ValidationIssue>;
  readonly message: string;
};

/** Every retry met a concurrent writer; nothing was written by this command. */
export type RetriesExhausted = {
  readonly kind: 'RetriesExhausted';
  readonly streamId: string;
  readonly attempts: number;
  readonly message: string;
};

export type CommandHandlerError<DomainError> = DomainError | EventStoreError | InvalidCommandMetadata | RetriesExhausted;

export type HandledCommand<State> = {
  /** The stream's state after the command. */
  readonly state: State;
  /** The events this command recorded (empty when it was already handled before). */
  readonly events: ReadonlyArray<LedgerEvent>;
  readonly nextExpectedRevision: number;
  /** True when the command id was found in the stream: a re-sent command records nothing. */
  readonly alreadyHandled: boolean;
};

export type CommandHandlerOptions = {
  readonly store: EventStore;
  /** The ledger's clock port: when an event is recorded. The core never reads a clock itself. */
  readonly clock: () => Instant;
  /** How many times to reload, re-decide and re-append after a concurrency conflict. Default 3. */
  readonly maxRetries?: number;
};

type StreamSnapshot<State> = {
  readonly revision: number;
  readonly state: State;
  /**
   * Command ids already recorded in the stream (from the events' causation ids). Grown in
   * place: it only ever gains ids of events the store has recorded, and copying it per
   * command would make a long stream quadratic.
   */
  readonly commandIds: Set<string>;
};

/**
 * Loads a stream, decides, appends with the loaded revision as the expected one, and on a
 * concurrency conflict reloads and decides again. The handler keeps each stream's folded state
 * between calls, so a long stream is read once and then only its new events.
 *
 * Each call makes a handler with its own cache; nothing is shared between handlers.
 */
export const commandHandler = <State, C extends Command, DomainError>(
  decider: Decider<State, C, EventPayload, LedgerEvent, DomainError>,
  options: CommandHandlerOptions,
) => {
  const { store, clock } = options;
  const maxRetries = options.maxRetries ?? 3;
  const snapshots = new Map<string, StreamSnapshot<State>>();

  const load = async (streamId: string): Promise<E.Either<EventStoreError, StreamSnapshot<State>>> => {
    const cached = snapshots.get(streamId) ?? { revision: -1, state: decider.initialState(), commandIds: new Set<string>() };
    const read = await store.readStream(streamId, { fromRevision: cached.revision + 1 });
    if (E.isLeft(read)) return read;
    // A store that went back in time (e.g. restored from a backup) invalidates the cache.
    if (read.right.currentRevision < cached.revision) {
      snapshots.delete(streamId);
      return load(streamId);
    }
    let state = cached.state;
    const commandIds = cached.commandIds;
    for (const recorded of read.right.events) {
      state = decider.evolve(state, recorded.event);
      commandIds.add(recorded.event.metadata.causationId);
    }
    const snapshot = { revision: read.right.currentRevision, state, commandIds };
    snapshots.set(streamId, snapshot);
    return E.right(snapshot);
  };

  return async (streamId: string, command: C): Promise<E.Either<CommandHandlerError<DomainError>, HandledCommand<State>>> => {
    const metadata = CommandMetadataCodec.decode(command.metadata);
    if (E.isLeft(metadata)) {
      const issues = validationIssues(metadata.left).map((issue) => ({ ...issue, path: `metadata.${issue.path}` }));
      const type: unknown = command.type; // any value, when the command came from JSON
      return E.left({ kind: 'InvalidCommandMetadata', issues, message: `${typeof type === 'string' ? type : showValue(type)}: ${formatIssues(issues)}` });
    }
    for (let attempt = 0; attempt <= maxRetries; attempt++) {
      const loaded = await load(streamId);
      if (E.isLeft(loaded)) return loaded;
      const { revision, state, commandIds } = loaded.right;
      if (commandIds.has(command.metadata.commandId))
        return E.right({ state, events: [], nextExpectedRevision: revision, alreadyHandled: true });

      const decided = decider.decide(command, state);
      if (E.isLeft(decided)) return decided;
      const events = recordedEventsOf(command.metadata, decided.right, clock());
      if (events.length === 0) return E.right({ state, events, nextExpectedRevision: revision, alreadyHandled: false });

      const appended = await store.appendToStream(streamId, events, {
        expectedRevision: revision < 0 ? 'noStream' : revision,
      });
      if (E.isLeft(appended)) {
        if (appended.left.kind === 'ConcurrencyConflict') continue;
        // A twin of this command (same id) recorded meanwhile on a newer state may have decided
        // fewer events: some of our ids are in the stream, not all, and the store refuses the id
        // before it looks at the revision. If the stream now holds the command, it was handled.
        if (appended.left.kind === 'EventIdConflict') {
          const reloaded = await load(streamId);
          if (E.isLeft(reloaded)) return reloaded;
          if (reloaded.right.commandIds.has(command.metadata.commandId))
            return E.right({ state: reloaded.right.state, events: [], nextExpectedRevision: reloaded.right.revision, alreadyHandled: true });
        }
        return appended;
      }
      // Written before by a concurrent re-send of the same command: read it back. Not a retry:
      // the command is recorded, so it must not end as RetriesExhausted ("nothing was written").
      if (!appended.right.written) {
        const reloaded = await load(streamId);
        if (E.isLeft(reloaded)) return reloaded;
        return E.right({ state: reloaded.right.state, events: [], nextExpectedRevision: reloaded.right.revision, alreadyHandled: true });
      }
      // Fold what we appended, so the next command on this stream reads nothing again.
      let next = state;
      for (const event of events) next = decider.evolve(next, event);
      snapshots.set(streamId, {
        revision: appended.right.nextExpectedRevision,
        state: next,
        commandIds: commandIds.add(command.metadata.commandId),
      });
      return E.right({ state: next, events, nextExpectedRevision: appended.right.nextExpectedRevision, alreadyHandled: false });
    }
    return E.left({
      kind: 'RetriesExhausted',
      streamId,
      attempts: maxRetries + 1,
      message: `stream ${streamId}: still conflicting after ${maxRetries + 1} attempts; nothing was written by this command`,
    });
  };
};
