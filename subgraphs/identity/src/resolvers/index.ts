// Thin resolvers: check who is asking, call the domain, map the result. Grouped by area in sibling files.
import type { Resolvers } from '../generated/resolvers-types.ts';
import { DateTimeScalar as DateTime, JSONScalar, outboxAdminResolvers } from '@clinic/service-kit';
import { authMutations, authQueries } from './auth.ts';
import { peopleMutations, peopleQueries, User, DoctorProfile, PatientProfile, Session, asOwnAccount } from './people.ts';
import { adminMutations, adminQueries, AuditEntry, SecurityAlert } from './admin.ts';

// Admin: identity's outbox events that gave up (the kit's surface, under identity's field names).
const outboxAdmin = outboxAdminResolvers('identity');

export const resolvers: Resolvers = {
  DateTime,
  JSON: JSONScalar,
  Query: { ...peopleQueries, ...authQueries, ...adminQueries, ...outboxAdmin.Query },
  Mutation: { ...peopleMutations, ...authMutations, ...adminMutations, ...outboxAdmin.Mutation },
  User,
  DoctorProfile,
  PatientProfile,
  Session,
  AuditEntry,
  SecurityAlert,
  AuthPayload: {
    // The caller just proved to be this user (the token is not yet their viewer): they read their own account.
    user: async (payload, _a, ctx) => asOwnAccount((await ctx.users.load(payload.userId))!),
  },
};
