// Per-request context of identity: the kit's base plus batched loaders and the identity domain's deps.
import type DataLoader from 'dataloader';
import type { RequestContext } from '@clinic/service-kit';
import type { UserRecord } from './users.ts';
import type { DoctorProfileRecord } from './domain/profiles.ts';
import type { IdentityDeps } from './domain/deps.ts';

export interface IdentityContext extends RequestContext {
  users: DataLoader<string, UserRecord | null>;
  roles: DataLoader<string, string[]>;
  doctorProfiles: DataLoader<string, DoctorProfileRecord | null>;
  /** Is this user a patient of the viewing doctor (an appointment with them, past or future)? */
  patientOfViewer: DataLoader<string, boolean>;
  /** Loaded on first use (the signing key is read or generated once per process). */
  identity(): Promise<IdentityDeps>;
}

export type Context = IdentityContext;
