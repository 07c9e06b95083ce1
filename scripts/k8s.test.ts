// The Kubernetes manifests: committed files match the generator (so every subgraph has its own), every
// document validates against the Kubernetes OpenAPI schemas shipped in `kubernetes-models` (no download),
// and the shape holds: probes and resources on every container, HPA/PDB/Service per Deployment,
// subgraphs reachable only from the router (identity also from subgraphs) and Prometheus.
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { SUBGRAPHS } from '@clinic/schema/subgraphs';
import { renderManifests } from './k8s/render.ts';

type Doc = { apiVersion: string; kind: string; metadata: { name: string }; spec?: Record<string, unknown>; [key: string]: unknown };
const dir = path.join(__dirname, '..', 'deploy', 'k8s', 'base');
const files = Object.fromEntries(readdirSync(dir).map((f) => [f, readFileSync(path.join(dir, f), 'utf8')]));
const docs: Doc[] = Object.entries(files)
  .filter(([f]) => f !== 'kustomization.yaml')
  .flatMap(([, text]) => parseAllDocuments(text).map((d) => d.toJS() as Doc));
const ofKind = (kind: string) => docs.filter((d) => d.kind === kind);

test('the committed manifests are what `npm run k8s` generates', () => {
  expect(files).toEqual(renderManifests());
});

/** Runs scripts/k8s/validate.mjs (kubernetes-models is ESM-only) on the documents. */
function validate(documents: unknown[]): (string | null)[] {
  const out = execFileSync(process.execPath, [path.join(__dirname, 'k8s', 'validate.mjs')], { input: JSON.stringify(documents), encoding: 'utf8' });
  return JSON.parse(out) as (string | null)[];
}

test('every document validates against the Kubernetes schemas', () => {
  const results = validate(docs);
  expect(docs.map((d, i) => ({ doc: `${d.kind}/${d.metadata.name}`, error: results[i] }))).toEqual(docs.map((d) => ({ doc: `${d.kind}/${d.metadata.name}`, error: null })));
  // The validator does refuse broken ones.
  const broken = validate([
    { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'x' }, spec: { replicas: 'two', selector: {}, template: {} } },
    { apiVersion: 'v1', kind: 'Service', metadata: { name: 'x' }, spec: { ports: [{ port: 'http' }] } },
  ]);
  expect(broken.every((r) => typeof r === 'string')).toBe(true);
});

test('kustomization lists every file', () => {
  const kustomization = parseAllDocuments(files['kustomization.yaml']!)[0]!.toJS() as { resources: string[] };
  expect(kustomization.resources.sort()).toEqual(Object.keys(files).filter((f) => f !== 'kustomization.yaml').sort());
});

test('every app has probes, resources, a Service, an HPA and a PDB; the router knows every subgraph', () => {
  const names = ['router', 'web', ...SUBGRAPHS.map((s) => s.name)];
  for (const name of names) {
    const deployment = ofKind('Deployment').find((d) => d.metadata.name === name) as Doc & {
      spec: { template: { spec: { containers: Record<string, unknown>[] } } };
    };
    expect(deployment).toBeDefined();
    const [container] = deployment.spec.template.spec.containers;
    expect(Object.keys(container!)).toEqual(expect.arrayContaining(['readinessProbe', 'livenessProbe', 'startupProbe', 'resources']));
    for (const kind of ['Service', 'HorizontalPodAutoscaler', 'PodDisruptionBudget', 'NetworkPolicy']) {
      expect({ name, kind, found: ofKind(kind).some((d) => d.metadata.name === name) }).toEqual({ name, kind, found: true });
    }
  }
  const router = ofKind('Deployment').find((d) => d.metadata.name === 'router') as Doc & {
    spec: { template: { spec: { containers: { env: { name: string; value: string }[] }[] } } };
  };
  const env = Object.fromEntries(router.spec.template.spec.containers[0]!.env.map((e) => [e.name, e.value]));
  for (const { name } of SUBGRAPHS) expect(env[`SUBGRAPH_${name.toUpperCase()}_URL`]).toBe(`http://${name}:4000/graphql`);
  const job = ofKind('Job').find((d) => d.metadata.name === 'migrate') as Doc & { spec: { template: { spec: { containers: { command: string[] }[] } } } };
  expect(job.spec.template.spec.containers[0]!.command).toEqual(expect.arrayContaining(SUBGRAPHS.map((s) => s.name)));
});

test('subgraphs accept traffic only from the router (identity also from subgraphs, chat also from the assistant) and Prometheus; the rest is denied', () => {
  expect(ofKind('NetworkPolicy').find((d) => d.metadata.name === 'default-deny-ingress')?.spec).toEqual({ podSelector: {}, policyTypes: ['Ingress'] });
  for (const { name } of SUBGRAPHS) {
    const policy = ofKind('NetworkPolicy').find((d) => d.metadata.name === name) as Doc & { spec: { ingress: { from: Record<string, unknown>[] }[] } };
    const from = policy.spec.ingress.flatMap((rule) => rule.from);
    expect(from).toContainEqual({ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'router' } } });
    expect(from.some((peer) => 'ipBlock' in peer)).toBe(false);
    const others = from.filter((peer) => !('namespaceSelector' in peer));
    expect(others).toHaveLength(name === 'identity' || name === 'chat' ? 2 : 1);
    if (name === 'chat') expect(from).toContainEqual({ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'assistant' } } });
  }
});

test("the assistant's proof key reaches chat and identity only; the assistant gets its own client and never the key", () => {
  type Container = { env?: { name: string; valueFrom?: { secretKeyRef?: { name: string } } }[]; envFrom?: { secretRef?: { name: string } }[] };
  const containerOf = (name: string) => {
    const d = ofKind('Deployment').find((x) => x.metadata.name === name)!;
    return (d.spec as { template: { spec: { containers: Container[] } } }).template.spec.containers[0]!;
  };
  const variables = (name: string) => (containerOf(name).env ?? []).map((e) => e.name);
  const withKey = ofKind('Deployment').filter((d) => variables(d.metadata.name).includes('ASSISTANT_DELEGATION_SECRET')).map((d) => d.metadata.name).sort();
  expect(withKey).toEqual(['chat', 'identity']);
  // Nobody gets the key's Secret whole.
  for (const d of ofKind('Deployment')) expect((containerOf(d.metadata.name).envFrom ?? []).map((e) => e.secretRef?.name)).not.toContain('clinic-assistant-delegation');
  expect(variables('assistant')).toEqual(expect.arrayContaining(['ASSISTANT_PARTNER_CLIENT_ID', 'ASSISTANT_PARTNER_CLIENT_SECRET']));
  expect(variables('identity')).toEqual(expect.arrayContaining(['IDENTITY_ASSISTANT_CLIENT_ID', 'IDENTITY_ASSISTANT_CLIENT_SECRET']));
  expect(ofKind('Secret').map((s) => s.metadata.name)).toEqual(expect.arrayContaining(['clinic-assistant-client', 'clinic-assistant-delegation']));
});
