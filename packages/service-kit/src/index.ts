// The shared service kit: everything every service does the same way.
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
export * from './audit.ts';
