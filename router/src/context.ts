import type { Viewer } from '@clinic/service-kit';

/** Per-request context of the router: who is asking (verified at the edge) and what to forward. */
export interface RouterContext {
  viewer: Viewer;
  authorization: string | undefined;
  requestId: string;
  clientIp: string | null;
}
