// `npm run k8s`: writes the kustomize base under deploy/k8s/base from scripts/k8s/manifests.ts.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { renderManifests } from './render.ts';

const dir = path.join(__dirname, '..', '..', 'deploy', 'k8s', 'base');
mkdirSync(dir, { recursive: true });
for (const [file, text] of Object.entries(renderManifests())) writeFileSync(path.join(dir, file), text);
console.log(`wrote ${Object.keys(renderManifests()).length} files to ${path.relative(process.cwd(), dir)}`);
