// The Kubernetes manifests (kustomize base under deploy/k8s), built from the subgraph list so a new
// subgraph gets its Deployment, Service, HPA, PDB and NetworkPolicy by `npm run k8s` (the test fails while
// the committed files are behind). Every pod listens on 4000; subgraphs accept traffic only from the
// router (identity also from the other subgraphs, which ask it about Azure AD users) and from Prometheus.
import { SUBGRAPHS } from '@clinic/schema/subgraphs';

type Doc = Record<string, unknown>;
const PORT = 4000;
const PART_OF = 'clinic';

const labels = (name: string, tier: string) => ({ 'app.kubernetes.io/name': name, 'app.kubernetes.io/part-of': PART_OF, 'clinic/tier': tier });
const selector = (name: string) => ({ 'app.kubernetes.io/name': name });

interface App {
  name: string;
  tier: 'router' | 'subgraph' | 'web';
  port: number;
  env: ({ name: string; value: string } | { name: string; valueFrom: { secretKeyRef: { name: string; key: string } } })[];
  /** Readiness path (dependencies included); liveness is /health where the app has it. */
  ready: string;
  live: string;
  minReplicas: number;
  maxReplicas: number;
  cpu: string;
  memory: string;
}

function deployment(app: App): Doc {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: app.name, labels: labels(app.name, app.tier) },
    spec: {
      replicas: app.minReplicas,
      selector: { matchLabels: selector(app.name) },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
      template: {
        metadata: { labels: labels(app.name, app.tier) },
        spec: {
          // The services drain in-flight requests on SIGTERM; the sleep lets endpoints drop the pod first.
          terminationGracePeriodSeconds: 40,
          securityContext: { runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: 'RuntimeDefault' } },
          containers: [
            {
              name: app.name,
              image: `clinic/${app.name}:latest`,
              ports: [{ name: 'http', containerPort: app.port }],
              env: [{ name: 'PORT', value: String(app.port) }, ...app.env],
              envFrom: [{ configMapRef: { name: 'clinic-config' } }, { secretRef: { name: 'clinic-secrets' } }],
              startupProbe: { httpGet: { path: app.live, port: 'http' }, periodSeconds: 2, failureThreshold: 60 },
              livenessProbe: { httpGet: { path: app.live, port: 'http' }, periodSeconds: 10, timeoutSeconds: 3, failureThreshold: 3 },
              readinessProbe: { httpGet: { path: app.ready, port: 'http' }, periodSeconds: 5, timeoutSeconds: 3, failureThreshold: 2 },
              lifecycle: { preStop: { exec: { command: ['sleep', '5'] } } },
              resources: { requests: { cpu: app.cpu, memory: app.memory }, limits: { memory: app.memory.replace(/\d+/, (n) => String(Number(n) * 2)) } },
              securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
            },
          ],
        },
      },
    },
  };
}

function service(app: App): Doc {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: app.name, labels: labels(app.name, app.tier) },
    spec: { selector: selector(app.name), ports: [{ name: 'http', port: app.port, targetPort: 'http' }] },
  };
}

function autoscaler(app: App): Doc {
  return {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name: app.name, labels: labels(app.name, app.tier) },
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: app.name },
      minReplicas: app.minReplicas,
      maxReplicas: app.maxReplicas,
      metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } }],
    },
  };
}

function disruptionBudget(app: App): Doc {
  return {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: { name: app.name, labels: labels(app.name, app.tier) },
    spec: { minAvailable: 1, selector: { matchLabels: selector(app.name) } },
  };
}

const fromPrometheus = { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } };

function networkPolicy(app: App): Doc {
  const from =
    app.tier === 'subgraph'
      ? [
          { podSelector: { matchLabels: { 'app.kubernetes.io/name': 'router' } } },
          ...(app.name === 'identity' ? [{ podSelector: { matchLabels: { 'clinic/tier': 'subgraph' } } }] : []),
          // The clinic assistant reads patients' messages and posts its replies through chat's internal routes.
          ...(app.name === 'chat' ? [{ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'assistant' } } }] : []),
          // The migration job does not call services; Prometheus scrapes /metrics (bearer METRICS_TOKEN).
          fromPrometheus,
        ]
      : // The router and web are public (behind the Ingress / load balancer).
        [{ ipBlock: { cidr: '0.0.0.0/0' } }];
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name: app.name, labels: labels(app.name, app.tier) },
    spec: {
      podSelector: { matchLabels: selector(app.name) },
      policyTypes: ['Ingress'],
      ingress: [{ from, ports: [{ protocol: 'TCP', port: app.port }] }],
    },
  };
}

/** One key of a Secret as one variable: a pod gets only the keys it names, not the whole Secret. */
const fromSecret = (name: string, secret: string, key = name) => ({ name, valueFrom: { secretKeyRef: { name: secret, key } } });

/**
 * The assistant's own partner client (identity creates it; the assistant signs in with it) and the key chat
 * signs its proofs of patients' messages with (chat and identity only: the assistant must never hold it, or it
 * could mint proofs and act for any patient). Separate Secrets, so each pod is given only what it needs.
 */
const ASSISTANT_CLIENT_SECRET = 'clinic-assistant-client';
const DELEGATION_SECRET = 'clinic-assistant-delegation';
const assistantEnv: Record<string, App['env']> = {
  identity: [
    fromSecret('IDENTITY_ASSISTANT_CLIENT_ID', ASSISTANT_CLIENT_SECRET, 'ASSISTANT_PARTNER_CLIENT_ID'),
    fromSecret('IDENTITY_ASSISTANT_CLIENT_SECRET', ASSISTANT_CLIENT_SECRET, 'ASSISTANT_PARTNER_CLIENT_SECRET'),
    fromSecret('ASSISTANT_DELEGATION_SECRET', DELEGATION_SECRET),
  ],
  chat: [fromSecret('ASSISTANT_DELEGATION_SECRET', DELEGATION_SECRET)],
  assistant: [fromSecret('ASSISTANT_PARTNER_CLIENT_ID', ASSISTANT_CLIENT_SECRET), fromSecret('ASSISTANT_PARTNER_CLIENT_SECRET', ASSISTANT_CLIENT_SECRET)],
};

const subgraphApp = (name: string): App => ({
  name,
  tier: 'subgraph',
  port: PORT,
  env: [
    { name: 'OTEL_SERVICE_NAME', value: name },
    // The assistant acts through the public API (the router) and answers in chat through chat's internal routes.
    ...(name === 'assistant'
      ? [
          { name: 'ROUTER_URL', value: `http://router:${PORT}/graphql` },
          { name: 'CHAT_URL', value: `http://chat:${PORT}/graphql` },
        ]
      : []),
    ...(assistantEnv[name] ?? []),
  ],
  ready: '/ready',
  live: '/health',
  minReplicas: 2,
  maxReplicas: 10,
  cpu: '200m',
  memory: '256Mi',
});

export function apps(): App[] {
  const subgraphs = SUBGRAPHS.map((s) => subgraphApp(s.name));
  const router: App = {
    name: 'router',
    tier: 'router',
    port: PORT,
    env: [
      ...SUBGRAPHS.map((s) => ({ name: `SUBGRAPH_${s.name.toUpperCase()}_URL`, value: `http://${s.name}:${PORT}/graphql` })),
      // The Ingress controller and the web pods forward clients from inside the cluster network.
      { name: 'TRUSTED_PROXIES', value: '10.0.0.0/8' },
      { name: 'OTEL_SERVICE_NAME', value: 'router' },
    ],
    ready: '/ready',
    live: '/health',
    minReplicas: 2,
    maxReplicas: 20,
    cpu: '250m',
    memory: '256Mi',
  };
  const web: App = {
    name: 'web',
    tier: 'web',
    port: 5173,
    env: [
      { name: 'WEB_PORT', value: '5173' },
      { name: 'ROUTER_URL', value: `http://router:${PORT}/graphql` },
    ],
    ready: '/',
    live: '/',
    minReplicas: 2,
    maxReplicas: 6,
    cpu: '100m',
    memory: '128Mi',
  };
  return [router, ...subgraphs, web];
}

function migrationJob(): Doc {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: 'migrate', labels: labels('migrate', 'job') },
    spec: {
      backoffLimit: 3,
      ttlSecondsAfterFinished: 3600,
      template: {
        metadata: { labels: labels('migrate', 'job') },
        spec: {
          restartPolicy: 'OnFailure',
          securityContext: { runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: 'RuntimeDefault' } },
          containers: [
            {
              name: 'migrate',
              image: 'clinic/router:latest',
              command: ['node', '--import', 'tsx', 'scripts/migrate.ts', ...SUBGRAPHS.map((s) => s.name)],
              envFrom: [{ configMapRef: { name: 'clinic-config' } }, { secretRef: { name: 'clinic-secrets' } }],
              resources: { requests: { cpu: '100m', memory: '256Mi' }, limits: { memory: '512Mi' } },
              securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
            },
          ],
        },
      },
    },
  };
}

function shared(): Doc[] {
  return [
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'clinic-config', labels: { 'app.kubernetes.io/part-of': PART_OF } },
      data: {
        NODE_ENV: 'production',
        LOG_LEVEL: 'info',
        JWKS_URL: `http://identity:${PORT}/.well-known/jwks.json`,
        IDENTITY_URL: `http://identity:${PORT}/graphql`,
        // Chat checks and shares message attachments there.
        DOCUMENTS_URL: `http://documents:${PORT}/graphql`,
        // Set to your collector (e.g. http://otel-collector.monitoring:4318) to turn tracing on.
        OTEL_EXPORTER_OTLP_ENDPOINT: '',
        // Share of client requests traced, decided at the router (parent-based; subgraphs, outbox and jobs follow).
        OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
        OTEL_TRACES_SAMPLER_ARG: '0.1',
      },
    },
    {
      // Placeholders: an overlay (or External Secrets / Sealed Secrets) provides the real values.
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'clinic-secrets', labels: { 'app.kubernetes.io/part-of': PART_OF } },
      type: 'Opaque',
      stringData: {
        ROUTER_SECRET: 'CHANGE-ME',
        METRICS_TOKEN: 'CHANGE-ME',
        DATABASE_URL: 'postgres://clinic:CHANGE-ME@postgres:5432/clinic',
        REDIS_URL: 'redis://redis:6379',
        JWT_KEYS_ENCRYPTION_KEY: 'CHANGE-ME',
        // Sentry-compatible DSN for unexpected errors (empty: they are only logged).
        SENTRY_DSN: '',
        // Browser push signing keys (npx web-push generate-vapid-keys); empty: push is off in production.
        VAPID_PUBLIC_KEY: '',
        VAPID_PRIVATE_KEY: '',
      },
    },
    {
      // The assistant's partner client (availability:read): given to identity, which creates it, and to the assistant.
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: ASSISTANT_CLIENT_SECRET, labels: { 'app.kubernetes.io/part-of': PART_OF } },
      type: 'Opaque',
      stringData: { ASSISTANT_PARTNER_CLIENT_ID: 'clinic-assistant', ASSISTANT_PARTNER_CLIENT_SECRET: 'CHANGE-ME' },
    },
    {
      // Chat's proof key for the assistant's delegated tokens: chat and identity only, never the assistant.
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: DELEGATION_SECRET, labels: { 'app.kubernetes.io/part-of': PART_OF } },
      type: 'Opaque',
      stringData: { ASSISTANT_DELEGATION_SECRET: 'CHANGE-ME' },
    },
    {
      // Nothing reaches a pod of this namespace unless a policy below lets it.
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'default-deny-ingress', labels: { 'app.kubernetes.io/part-of': PART_OF } },
      spec: { podSelector: {}, policyTypes: ['Ingress'] },
    },
  ];
}

/** File name → documents, as written under deploy/k8s/base. */
export function manifests(): Record<string, Doc[]> {
  const files: Record<string, Doc[]> = { 'shared.yaml': shared(), 'migrate-job.yaml': [migrationJob()] };
  for (const app of apps()) files[`${app.name}.yaml`] = [deployment(app), service(app), autoscaler(app), disruptionBudget(app), networkPolicy(app)];
  files['kustomization.yaml'] = [
    {
      apiVersion: 'kustomize.config.k8s.io/v1beta1',
      kind: 'Kustomization',
      namespace: 'clinic',
      labels: [{ pairs: { 'app.kubernetes.io/part-of': PART_OF } }],
      resources: Object.keys(files).sort(),
      images: apps().map((a) => ({ name: `clinic/${a.name}`, newTag: 'latest' })),
    },
  ];
  return files;
}
