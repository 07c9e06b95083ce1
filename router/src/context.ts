import type { Viewer } from '@clinic/service-kit';
import type { TraceContext } from '@clinic/service-kit/telemetry';

/** Per-request context of the router: who is asking (verified at the edge) and what to forward. */
export interface RouterContext {
  viewer: Viewer;
  authorization: string | undefined;
  requestId: string;
  clientIp: string | null;
  /** The request's trace (its server span), for the subgraph calls' client spans and error capture; none when tracing is off. */
  traceContext?: TraceContext;
}
