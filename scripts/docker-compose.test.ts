// Docker does not run on the CI machine, so the compose file is checked here: every subgraph has a
// service, the router knows each one's URL, and every dependency waits for a healthy service.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { SUBGRAPHS } from '@clinic/schema/subgraphs';

interface ComposeService {
  profiles?: string[];
  image?: string;
  volumes?: string[];
  entrypoint?: string[];
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

test('every service of the stack has a healthcheck and waits for healthy dependencies', () => {
  for (const [name, service] of Object.entries(compose.services)) {
    // The optional observability tools (distroless images among them) are not part of the stack.
    if (service.profiles?.includes('observability')) continue;
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

test('chat runs only with its key-encryption key from the environment', () => {
  expect(compose.services.chat!.environment!.CHAT_KEK).toMatch(/^\$\{CHAT_KEK:\?/);
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

test('the observability profile: collector, Jaeger, Prometheus scraping every service with the token, Grafana with the dashboard', () => {
  const observability = Object.entries(compose.services).filter(([, s]) => s.profiles?.includes('observability'));
  expect(observability.map(([name]) => name).sort()).toEqual(['grafana', 'jaeger', 'otel-collector', 'prometheus']);
  const mounted = observability.flatMap(([, s]) => s.volumes ?? []).map((v) => v.split(':')[0]!);
  for (const file of mounted) expect(existsSync(path.join(__dirname, '..', file))).toBe(true);
  // Prometheus scrapes the router and every subgraph at its compose address, with the bearer token.
  const prometheus = parse(readFileSync(path.join(__dirname, '..', 'deploy/observability/prometheus.yml'), 'utf8')) as {
    scrape_configs: { authorization?: { type: string; credentials_file: string }; static_configs: { targets: string[] }[] }[];
  };
  const [job] = prometheus.scrape_configs;
  expect(job!.authorization).toEqual({ type: 'Bearer', credentials_file: '/tmp/metrics-token' });
  expect(compose.services.prometheus!.entrypoint!.join(' ')).toContain('> /tmp/metrics-token');
  const targets = job!.static_configs.flatMap((c) => c.targets);
  expect(targets).toContain('router:4000');
  for (const { name } of SUBGRAPHS) {
    const port = /:(\d+)\/graphql$/.exec(compose.services.router!.environment![`SUBGRAPH_${name.toUpperCase()}_URL`]!)![1];
    expect(targets).toContain(`${name}:${port}`);
  }
  // Every service can be pointed at the collector and scraped with the token.
  for (const name of ['router', ...SUBGRAPHS.map((s) => s.name)]) {
    expect(compose.services[name]!.environment).toHaveProperty('OTEL_EXPORTER_OTLP_ENDPOINT');
    expect(compose.services[name]!.environment).toHaveProperty('METRICS_TOKEN');
  }
});

test('the Grafana dashboard and the alert rules query only metrics the services export', () => {
  const exported = readFileSync(path.join(__dirname, '..', 'packages/service-kit/src/metrics.ts'), 'utf8');
  const known = new Set([...exported.matchAll(/name: '([a-z_]+)'|probedGauge\('([a-z_]+)'/g)].map((m) => m[1] ?? m[2]!));
  known.add('up');
  const base = (metric: string) => metric.replace(/_(bucket|count|sum)$/, '');
  const dashboard = JSON.parse(readFileSync(path.join(__dirname, '..', 'deploy/observability/grafana/dashboards/clinic.json'), 'utf8')) as {
    panels: { targets: { expr: string }[] }[];
  };
  const alerts = parse(readFileSync(path.join(__dirname, '..', 'deploy/observability/alerts.yml'), 'utf8')) as { groups: { rules: { alert: string; expr: string }[] }[] };
  const exprs = [...dashboard.panels.flatMap((p) => p.targets.map((t) => t.expr)), ...alerts.groups.flatMap((g) => g.rules.map((r) => r.expr))];
  expect(exprs.length).toBeGreaterThan(10);
  const functions = new Set(['sum', 'rate', 'by', 'max', 'histogram_quantile', 'clamp_min', 'le', 'service', 'subgraph', 'queue', 'state', 'side', 'operation', 'code', 'outcome', 'job']);
  for (const expr of exprs) {
    const metrics = [...expr.replace(/\{[^}]*\}/g, '').replace(/\[[^\]]*\]/g, '').matchAll(/[a-z_][a-z0-9_]*/g)].map((m) => m[0]).filter((w) => !functions.has(w));
    for (const metric of metrics) expect({ expr, metric, known: known.has(base(metric)) }).toEqual({ expr, metric, known: true });
  }
});
