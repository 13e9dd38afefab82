import type { CheckpointStore, EventStore, RecordedEvent, Subscription } from './eventStore';

/**
 * Runs a catch-up subscription that resumes from its stored checkpoint: after each page is
 * handled, the page's last position is saved, so a restart delivers nothing twice that was
 * fully handled, and skips nothing.
 */
export const subscribeWithCheckpoints = async (options: {
  readonly store: EventStore;
  readonly checkpoints: CheckpointStore;
  readonly subscriptionId: string;
  readonly pageSize?: number;
  readonly onEvents: (events: ReadonlyArray<RecordedEvent>) => void | Promise<void>;
}): Promise<Subscription> => {
  const after = (await options.checkpoints.load(options.subscriptionId)) ?? 0;
  return options.store.subscribe({
    after,
    ...(options.pageSize === undefined ? {} : { pageSize: options.pageSize }),
    onEvents: async (events) => {
      await options.onEvents(events);
      const last = events[events.length - 1];
      if (last !== undefined) await options.checkpoints.save(options.subscriptionId, last.globalPosition);
    },
  });
};

/** Every event of a store in global order, one by one (for folds that do not need pages). */
export async function* allEventsOf(store: EventStore, after = 0): AsyncIterable<RecordedEvent> {
  for await (const page of store.readAll({ after })) yield* page;
}
