import type pg from 'pg';

/**
 * Wake-ups for a school's subscriptions: one LISTEN connection per store, shared by its
 * subscriptions while any runs. A wake-up is only a hint to read now; subscriptions also poll,
 * so a lost connection or notification delays delivery but never loses an event.
 */
export type Notifications = {
  /** A promise that resolves at the school's next append (or when the listener is lost). Take it before reading. */
  readonly nextSignal: () => Promise<void>;
  readonly acquire: () => void;
  readonly release: () => void;
};

export const notificationChannel = (schema: string): string => `${schema}_events`;

const RECONNECT_AFTER_MS = 1_000;

type Listener = { readonly end: (error?: Error) => void };

export const schoolNotifications = (pool: pg.Pool, channel: string, schoolId: string): Notifications => {
  let users = 0;
  let listener: Listener | undefined;
  let connecting = false;
  let lastAttempt = 0;
  let resolveSignal: () => void = () => undefined;
  let signal = new Promise<void>((resolve) => (resolveSignal = resolve));

  const wake = (): void => {
    const resolve = resolveSignal;
    signal = new Promise<void>((next) => (resolveSignal = next));
    resolve();
  };

  const listen = (): void => {
    if (listener !== undefined || connecting || users === 0 || Date.now() - lastAttempt < RECONNECT_AFTER_MS) return;
    connecting = true;
    lastAttempt = Date.now();
    void (async () => {
      let client: pg.PoolClient | undefined;
      let ended = false;
      const self: Listener = {
        end: (error) => {
          if (ended || client === undefined) return;
          ended = true;
          if (listener === self) listener = undefined;
          client.removeAllListeners('notification');
          const connection = client;
          if (error !== undefined) connection.release(error);
          else
            void connection.query(`UNLISTEN "${channel}"`).then(
              () => connection.release(),
              (failure: unknown) => connection.release(failure instanceof Error ? failure : true),
            );
          // The subscriptions read now rather than wait for a notification that may never come.
          wake();
        },
      };
      try {
        client = await pool.connect();
        client.on('notification', (message) => {
          if (message.channel === channel && message.payload === schoolId) wake();
        });
        client.on('error', (error) => self.end(error));
        await client.query(`LISTEN "${channel}"`);
        if (users === 0) self.end();
        else if (!ended) listener = self;
      } catch (error) {
        self.end(error instanceof Error ? error : new Error(String(error)));
      } finally {
        connecting = false;
      }
    })();
  };

  return {
    nextSignal: () => {
      listen();
      return signal;
    },
    acquire: () => {
      users++;
      listen();
    },
    release: () => {
      users--;
      if (users === 0) listener?.end();
    },
  };
};
