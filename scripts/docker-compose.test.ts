// Docker does not run on the CI machine, so the compose file is checked here: every subgraph has a
// service, the router knows each one's URL, and every dependency waits for a healthy service.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { SUBGRAPHS } from '@clinic/schema/subgraphs';

interface ComposeService {
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] | string };
  build?: { args?: Record<string, string> };
}

const compose = parse(readFileSync(path.join(__dirname, '..', 'docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<string, ComposeService>;
};

test('every subgraph is a service built for itself, and the router points at it', () => {
  const router = compose.services.router!;
  for (const { name } of SUBGRAPHS) {
    const service = compose.services[name];
    expect(service).toBeDefined();
    expect(service!.build?.args?.SERVICE).toBe(name);
    expect(router.environment?.[`SUBGRAPH_${name.toUpperCase()}_URL`]).toMatch(new RegExp(`^http://${name}:\\d+/graphql$`));
    expect(router.depends_on?.[name]?.condition).toBe('service_healthy');
  }
});

test('every service has a healthcheck and waits for healthy dependencies', () => {
  for (const [name, service] of Object.entries(compose.services)) {
    expect({ name, healthcheck: !!service.healthcheck }).toEqual({ name, healthcheck: true });
    for (const [dep, how] of Object.entries(service.depends_on ?? {})) {
      expect({ name, dep, condition: how.condition }).toEqual({ name, dep, condition: 'service_healthy' });
      expect(compose.services[dep]).toBeDefined();
    }
  }
});

test('services run in production mode against the compose Postgres and Redis', () => {
  for (const { name } of SUBGRAPHS) {
    const env = compose.services[name]!.environment!;
    expect(env.NODE_ENV).toBe('production');
    expect(env.DATABASE_URL).toMatch(/@postgres:5432\//);
    expect(env.REDIS_URL).toBe('redis://redis:6379');
  }
});

test('identity gets the key that encrypts its signing-key store from .env (production refuses to start without keys)', () => {
  expect(compose.services.identity!.environment?.JWT_KEYS_ENCRYPTION_KEY).toMatch(/JWT_KEYS_ENCRYPTION_KEY:\?/);
});

test('the assistant calls the public API through the router (with each patient\'s own token)', () => {
  expect(compose.services.assistant!.environment?.ROUTER_URL).toBe('http://router:4000/graphql');
  expect(compose.services.assistant!.depends_on?.router).toBeUndefined();
});

test('documents keeps its files on a volume and requires its keys and URL secret from .env', () => {
  const documents = compose.services.documents as ComposeService & { volumes?: string[] };
  expect(documents.volumes).toContain('documents-data:/app/.data');
  expect(documents.environment?.DATA_DIR).toBe('/app/.data');
  expect(documents.environment?.DOCUMENTS_KEYS).toMatch(/DOCUMENTS_KEYS:\?/);
  expect(documents.environment?.DOCUMENTS_URL_SECRET).toMatch(/DOCUMENTS_URL_SECRET:\?/);
});
