// Thin resolvers: check who is asking, call the domain, map the result. Grouped by area in sibling files.
import type { Resolvers } from '../generated/resolvers-types.ts';
import { DateTimeScalar as DateTime, JSONScalar } from '@clinic/service-kit';
import { authMutations, authQueries } from './auth.ts';
import { peopleMutations, peopleQueries, User, DoctorProfile, PatientProfile, Session, asOwnAccount } from './people.ts';
import { adminMutations, adminQueries } from './admin.ts';

export const resolvers: Resolvers = {
  DateTime,
  JSON: JSONScalar,
  Query: { ...peopleQueries, ...authQueries, ...adminQueries },
  Mutation: { ...peopleMutations, ...authMutations, ...adminMutations },
  User,
  DoctorProfile,
  PatientProfile,
  Session,
  AuthPayload: {
    // The caller just proved to be this user (the token is not yet their viewer): they read their own account.
    user: async (payload, _a, ctx) => asOwnAccount((await ctx.users.load(payload.userId))!),
  },
};
