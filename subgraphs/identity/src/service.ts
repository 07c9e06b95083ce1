// The identity subgraph as a definition the kit can run (in its own process, in the launcher, or in tests).
// `createIdentitySubgraph` lets tests pass the stack's signing key and their own queue names.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'graphql';
import type { KeyLike } from 'jose';
import type { MikroORM } from '@mikro-orm/postgresql';
import { AUDIT_QUEUE, CARE_EVENTS_QUEUE, IDENTITY_NOTIFICATIONS_QUEUE, OutboxEventSchema, createRevocationList, startOutboxRelay, type SubgraphDefinition, type SubgraphDeps } from '@clinic/service-kit';
import { UserSchema } from './entities/user.ts';
import { migrations } from './migrations/index.ts';
import { resolvers } from './resolvers/index.ts';
import { createRolesLoader, createUserLoader } from './users.ts';
import { createDoctorProfileLoader } from './domain/profiles.ts';
import { fromPrivateJwk, keySettings, signingKeyFrom } from './domain/keys.ts';
import { fixedKeyRing, keyEncryptionKey, openKeyStore, type KeyRing } from './domain/key-store.ts';
import { startAuditWorker } from './domain/audit-log.ts';
import { createCareLoader, startCareWorker } from './domain/care.ts';
import { createClusterHashGate } from './domain/hash-gate.ts';
import { resolveAzureUserFromTables } from './domain/azure.ts';
import { microsoftSettings } from './http/microsoft.ts';
import type { DevInboxMessage, IdentityDeps, IdentityQueues } from './domain/deps.ts';
import { identityRoutes } from './http/routes.ts';
import { ensureAssistantPartner, ensureBootstrapAdmin } from './domain/bootstrap.ts';
import type { IdentityContext } from './context.ts';

export const IDENTITY_DEFAULT_PORT = 4001;
export const identitySdlPath = path.join(__dirname, '..', 'schema.graphql');
export const DOCTORS_QUEUE = 'appointments-doctors';
export const NOTIFICATIONS_QUEUE = IDENTITY_NOTIFICATIONS_QUEUE;

/**
 * Identity's own settings from a process's env: identity verifies the tokens it issues like every other
 * service, so without JWKS_URL / JWKS_JSON it trusts the keys it publishes itself on `port`.
 */
export function identityEnv(env: Record<string, string | undefined>, port: number): Record<string, string | undefined> {
  if (env.JWKS_URL || env.JWKS_JSON) return env;
  return { ...env, JWKS_URL: `http://127.0.0.1:${port}/.well-known/jwks.json` };
}

export interface IdentityOptions {
  /** The key to sign with (tests: the stack's test key); default JWT_PRIVATE_JWK, else the key store in the database. */
  signingKey?: { kid: string; privateKey: KeyLike };
  /** How often a replica re-reads the key store (picks up a rotation); 15 s. */
  keyRefreshMs?: number;
  queues?: Partial<IdentityQueues>;
  env?: Record<string, string | undefined>;
  /**
   * Where replicas count each client's password-hash work in Redis; replicas of one deployment share it.
   * Default QUEUE_PREFIX; under NODE_ENV=test without one, each instance its own (parallel suites on one
   * Redis all sign in from 127.0.0.1 and must not share that budget).
   */
  hashGateKeyPrefix?: string;
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
  let loaded: Promise<IdentityDeps & { keyRing: KeyRing }> | null = null;
  const orm = (): MikroORM => {
    if (!kitDeps) throw new Error('identity is not started');
    return kitDeps.orm;
  };
  const identity = () => {
    loaded ??= (async () => {
      const config = kitDeps!.config;
      const keyRing = await openKeyRing(kitDeps!, { ...env, NODE_ENV: config.nodeEnv });
      const devInbox: DevInboxMessage[] | null = config.nodeEnv === 'production' ? null : [];
      const hashGateKeyPrefix = opts.hashGateKeyPrefix ?? env.QUEUE_PREFIX ?? (config.nodeEnv === 'test' ? `test-${randomUUID()}-` : '');
      const hashes = createClusterHashGate({ redisUrl: config.redisUrl, keyPrefix: hashGateKeyPrefix, logger: kitDeps!.logger });
      return {
        keyRing,
        tokens: {
          // The ring's current key: after a rotation every replica signs with the new one within keyRefreshMs.
          get key() {
            return keyRing.current;
          },
          publicKeys: () => keyRing.publicJwks(),
          issuer: config.auth.issuer,
          audience: config.auth.audience,
        },
        queues,
        publicUrl: env.PUBLIC_URL ?? 'http://localhost:5173',
        devInbox,
        revocations: kitDeps!.revocations ?? createRevocationList(null),
        hashes,
        azureProvisioning: env.AZURE_AD_PROVISIONING === 'link-only' ? 'link-only' : 'link-or-provision',
        microsoftSignIn: microsoftSettings(env) !== null,
      };
    })();
    return loaded;
  };
  const openKeyRing = async (deps: SubgraphDeps, keyEnv: Record<string, string | undefined>): Promise<KeyRing> => {
    if (opts.signingKey) return fixedKeyRing(await signingKeyFrom(opts.signingKey.kid, opts.signingKey.privateKey));
    const settings = keySettings(keyEnv);
    if ('pinned' in settings) return fixedKeyRing(await fromPrivateJwk(JSON.parse(settings.pinned)));
    return openKeyStore(deps.orm, keyEncryptionKey(settings.encryptionSecret), { refreshMs: opts.keyRefreshMs, logger: deps.logger });
  };
  return {
    name: 'identity',
    typeDefs: parse(readFileSync(identitySdlPath, 'utf8')),
    resolvers,
    entities: [UserSchema, OutboxEventSchema],
    migrations,
    context: (base, deps) => {
      kitDeps ??= deps;
      // Onto the kit's context, not spread from it (its EntityManager and logger live on its prototype).
      return Object.assign(base, {
        users: createUserLoader(base.em),
        roles: createRolesLoader(base.em),
        doctorProfiles: createDoctorProfileLoader(base.em),
        patientOfViewer: createCareLoader(base.em, base.viewer),
        identity,
      });
    },
    httpRoutes: (deps) => {
      kitDeps ??= deps;
      return identityRoutes(deps, identity, orm, env);
    },
    resolveAzureUser: (tid, oid) => resolveAzureUserFromTables(orm().em.fork(), tid, oid),
    background: async (deps) => {
      kitDeps ??= deps;
      // Keys first: a production start without them stops here with one line.
      const { keyRing, hashes } = await identity();
      await ensureBootstrapAdmin(deps.orm.em.fork(), env, deps.logger);
      await ensureAssistantPartner(deps.orm.em.fork(), env, deps.logger);
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
        maintenance: { name: `${prefix}identity-outbox` },
      });
      return async () => {
        keyRing.close();
        await hashes.close();
        await relay.stop();
        await worker.close();
        await care.close();
      };
    },
  };
}

export const identitySubgraph = createIdentitySubgraph();
