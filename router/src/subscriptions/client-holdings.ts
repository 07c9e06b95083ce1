// What one client (a signed-in user, a partner, or an address when anonymous: the rate limit's client key)
// holds open on this router: WebSocket connections and live subscriptions. The rate limit bounds how fast a
// client opens them, not how many it keeps: one user opening the allowed 600 a minute and never closing them
// held tens of thousands within the hour (about 30 KB each in the router and the subgraph). The caps are per
// router: behind N routers a client holds at most N times them.
export interface HoldingLimits {
  /** WS_CONNECTIONS_PER_CLIENT */
  connections: number;
  /** SUBSCRIPTIONS_PER_CLIENT */
  subscriptions: number;
}

interface Held {
  connections: number;
  subscriptions: number;
}

export class ClientHoldings {
  private readonly held = new Map<string, Held>();

  constructor(private readonly limits: HoldingLimits) {}

  /** Counts a new connection, or answers false when the client already holds as many as it may. */
  openConnection(client: string): boolean {
    const held = this.entry(client);
    if (held.connections >= this.limits.connections) {
      this.forgetIfIdle(client, held);
      return false;
    }
    held.connections += 1;
    return true;
  }

  closeConnection(client: string): void {
    const held = this.held.get(client);
    if (!held) return;
    held.connections -= 1;
    this.forgetIfIdle(client, held);
  }

  /**
   * Reserves one subscription before it is checked and opened (so a burst of subscribes sent at once cannot all
   * pass the count), or answers null at the cap. The returned release may be called any number of times.
   */
  reserveSubscription(client: string): (() => void) | null {
    const held = this.entry(client);
    if (held.subscriptions >= this.limits.subscriptions) {
      this.forgetIfIdle(client, held);
      return null;
    }
    held.subscriptions += 1;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      held.subscriptions -= 1;
      this.forgetIfIdle(client, held);
    };
  }

  /** Clients holding anything (for tests and stats). */
  get clients(): number {
    return this.held.size;
  }

  private entry(client: string): Held {
    let held = this.held.get(client);
    if (!held) this.held.set(client, (held = { connections: 0, subscriptions: 0 }));
    return held;
  }

  private forgetIfIdle(client: string, held: Held): void {
    if (held.connections <= 0 && held.subscriptions <= 0 && this.held.get(client) === held) this.held.delete(client);
  }
}
