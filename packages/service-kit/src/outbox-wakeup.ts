// Wakes the outbox relay when another process commits events: a dedicated Postgres connection LISTENs on
// the service's outbox channel (the outbox table's trigger NOTIFYs on insert). It proves the channel works
// with a probe first; where it cannot (a server that does not deliver notifications), it gives up and the
// relay keeps polling. A lost connection is retried; meanwhile the relay polls at its faster pace.
import { Client } from 'pg';
import type { Logger } from './logger.ts';

/** The LISTEN channel of a service schema's outbox (Postgres channel names are at most 63 bytes). */
export const outboxChannel = (schema: string): string => `outbox_${schema}`.slice(0, 63);

export interface OutboxWatch {
  readonly listening: boolean;
  close(): Promise<void>;
}

export interface OutboxWatchOptions {
  databaseUrl: string;
  channel: string;
  logger: Logger;
  onNotify: () => void;
  /** How long the probe notification may take before LISTEN is judged unusable (2 s). */
  probeTimeoutMs?: number;
  reconnectMs?: number;
}

export function watchOutbox(opts: OutboxWatchOptions): OutboxWatch {
  let client: Client | null = null;
  let listening = false;
  let closed = false;
  let retry: NodeJS.Timeout | undefined;
  const quoted = `"${opts.channel.replace(/"/g, '""')}"`;

  const connect = async () => {
    if (closed) return;
    const c = new Client({ connectionString: opts.databaseUrl, connectionTimeoutMillis: 5_000 });
    client = c;
    let probed: () => void = () => {};
    const probe = new Promise<void>((resolve) => (probed = resolve));
    c.on('notification', (msg) => {
      if (msg.channel !== opts.channel) return;
      if (msg.payload === 'probe') probed();
      else opts.onNotify();
    });
    c.on('error', () => {
      // The 'end' handler below reconnects.
    });
    c.on('end', () => {
      listening = false;
      if (!closed && client === c) retry = setTimeout(() => void connect().catch(() => undefined), opts.reconnectMs ?? 5_000);
    });
    try {
      await c.connect();
      await c.query(`listen ${quoted}`);
      await c.query('select pg_notify($1, $2)', [opts.channel, 'probe']);
      let timer: NodeJS.Timeout | undefined;
      const ok = await Promise.race([probe.then(() => true), new Promise<boolean>((r) => (timer = setTimeout(() => r(false), opts.probeTimeoutMs ?? 2_000)))]);
      clearTimeout(timer);
      if (!ok) {
        opts.logger.info({ channel: opts.channel }, 'outbox: notifications do not arrive on this database; polling instead');
        closed = true;
        await c.end().catch(() => undefined);
        return;
      }
      listening = !closed;
      // Events committed while we were connecting.
      opts.onNotify();
    } catch (error) {
      opts.logger.warn({ err: error }, 'outbox: LISTEN connection failed; polling until it is back');
      await c.end().catch(() => undefined);
    }
  };
  void connect();

  return {
    get listening() {
      return listening;
    },
    async close() {
      closed = true;
      listening = false;
      clearTimeout(retry);
      await client?.end().catch(() => undefined);
    },
  };
}
