// The shared service kit: everything every service does the same way.
// First: tracing must be on before the modules it instruments are loaded.
import './tracing-register.ts';
export * from './config.ts';
export * from './logger.ts';
export * from './errors.ts';
export * from './auth.ts';
export * from './access.ts';
export * from './orm.ts';
export * from './http.ts';
export * from './pubsub.ts';
export * from './health.ts';
export * from './router-secret.ts';
export * from './server.ts';
export * from './shutdown.ts';
export * from './queue.ts';
export * from './outbox.ts';
export * from './outbox-admin.ts';
export * from './periodic.ts';
export * from './audit.ts';
export * from './event-queue.ts';
export * from './subscriptions.ts';
export * from './azure-users.ts';
export * from './scalars.ts';
export * from './revocation.ts';
export * from './care-events.ts';
export * from './time-zones.ts';
export * from './metrics.ts';
export * from './telemetry.ts';
