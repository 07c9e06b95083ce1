import type DataLoader from 'dataloader';
import type { RequestContext } from '@clinic/service-kit';
import type { User } from './entities/user.ts';

export interface IdentityContext extends RequestContext {
  users: DataLoader<string, User | null>;
}
export type Context = IdentityContext;
