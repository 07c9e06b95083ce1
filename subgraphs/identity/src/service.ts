// The identity subgraph as a definition the kit can run (in its own process, in the launcher, or in tests).
// `createIdentitySubgraph` lets tests pass the stack's signing key and their own queue names.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'graphql';
import type { KeyLike } from 'jose';
import type { MikroORM } from '@mikro-orm/postgresql';
import { AUDIT_QUEUE, CARE_EVENTS_QUEUE, OutboxEventSchema, createRevocationList, startOutboxRelay, type SubgraphDefinition, type SubgraphDeps } from '@clinic/service-kit';
import { UserSchema } from './entities/user.ts';
import { migrations } from './migrations/index.ts';
import { resolvers } from './resolvers/index.ts';
import { createRolesLoader, createUserLoader } from './users.ts';
import { createDoctorProfileLoader } from './domain/profiles.ts';
import { loadSigningKey, signingKeyFrom, type SigningKey } from './domain/keys.ts';
import { startAuditWorker } from './domain/audit-log.ts';
import { createCareLoader, startCareWorker } from './domain/care.ts';
import { createHashGate } from './domain/hash-gate.ts';
import { resolveAzureUserFromTables } from './domain/azure.ts';
import type { DevInboxMessage, IdentityDeps, IdentityQueues } from './domain/deps.ts';
import { identityRoutes } from './http/routes.ts';
import { ensureBootstrapAdmin } from './domain/bootstrap.ts';
import type { IdentityContext } from './context.ts';

export const IDENTITY_DEFAULT_PORT = 4001;
export const identitySdlPath = path.join(__dirname, '..', 'schema.graphql');
export const DOCTORS_QUEUE = 'appointments-doctors';
export const NOTIFICATIONS_QUEUE = 'notifications-identity';

/**
 * Identity's own settings from a process's env: identity verifies the tokens it issues like every other
 * service, so without JWKS_URL / JWKS_JSON it trusts the keys it publishes itself on `port`.
 */
export function identityEnv(env: Record<string, string | undefined>, port: number): Record<string, string | undefined> {
  if (env.JWKS_URL || env.JWKS_JSON) return env;
  return { ...env, JWKS_URL: `http://127.0.0.1:${port}/.well-known/jwks.json` };
}

export interface IdentityOptions {
  /** The key to sign with (tests: the stack's test key); default JWT_PRIVATE_JWK or a generated, persisted key. */
  signingKey?: { kid: string; privateKey: KeyLike };
  queues?: Partial<IdentityQueues>;
  env?: Record<string, string | undefined>;
}

export function createIdentitySubgraph(opts: IdentityOptions = {}): SubgraphDefinition<IdentityContext> {
  const env = opts.env ?? process.env;
  // QUEUE_PREFIX keeps separate stacks on one Redis (a dev run, a test run) from taking each other's jobs.
  const prefix = env.QUEUE_PREFIX ?? '';
  const queues: IdentityQueues = {
    audit: prefix + AUDIT_QUEUE,
    doctors: prefix + DOCTORS_QUEUE,
    notifications: prefix + NOTIFICATIONS_QUEUE,
    care: prefix + CARE_EVENTS_QUEUE,
    ...opts.queues,
  };
  let kitDeps: SubgraphDeps | null = null;
  const hashes = createHashGate();
  let loaded: Promise<IdentityDeps & { key: SigningKey }> | null = null;
  const orm = (): MikroORM => {
    if (!kitDeps) throw new Error('identity is not started');
    return kitDeps.orm;
  };
  const identity = () => {
    loaded ??= (async () => {
      const config = kitDeps!.config;
      const key = opts.signingKey ? await signingKeyFrom(opts.signingKey.kid, opts.signingKey.privateKey) : await loadSigningKey(env);
      const devInbox: DevInboxMessage[] | null = config.nodeEnv === 'production' ? null : [];
      return {
        key,
        tokens: { key, issuer: config.auth.issuer, audience: config.auth.audience },
        queues,
        publicUrl: env.PUBLIC_URL ?? 'http://localhost:5173',
        devInbox,
        revocations: kitDeps!.revocations ?? createRevocationList(null),
        hashes,
        azureProvisioning: env.AZURE_AD_PROVISIONING === 'link-only' ? 'link-only' : 'link-or-provision',
      };
    })();
    return loaded;
  };
  return {
    name: 'identity',
    typeDefs: parse(readFileSync(identitySdlPath, 'utf8')),
    resolvers,
    entities: [UserSchema, OutboxEventSchema],
    migrations,
    context: (base, deps) => {
      kitDeps ??= deps;
      return {
        ...base,
        users: createUserLoader(base.em),
        roles: createRolesLoader(base.em),
        doctorProfiles: createDoctorProfileLoader(base.em),
        patientOfViewer: createCareLoader(base.em, base.viewer),
        identity,
      };
    },
    httpRoutes: (deps) => {
      kitDeps ??= deps;
      return identityRoutes(deps, identity, orm, env);
    },
    resolveAzureUser: (tid, oid) => resolveAzureUserFromTables(orm().em.fork(), tid, oid),
    background: async (deps) => {
      kitDeps ??= deps;
      await identity(); // a missing production key stops the start here, not on the first sign-in
      await ensureBootstrapAdmin(deps.orm.em.fork(), env, deps.logger);
      const worker = startAuditWorker(deps.orm, deps.config.redisUrl, queues.audit, deps.logger);
      const care = startCareWorker(deps.orm, deps.config.redisUrl, queues.care, deps.logger);
      const relay = startOutboxRelay({
        orm: deps.orm,
        redisUrl: deps.config.redisUrl,
        pubsub: deps.pubsub,
        logger: deps.logger,
        routes: [
          { prefix: 'audit.', queues: [queues.audit] },
          { prefix: 'doctor.', queues: [queues.doctors] },
          { prefix: 'user.', queues: [queues.notifications] },
        ],
      });
      return async () => {
        await relay.stop();
        await worker.close();
        await care.close();
      };
    },
  };
}

export const identitySubgraph = createIdentitySubgraph();
