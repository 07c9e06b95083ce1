// Validates Kubernetes documents against the OpenAPI schemas shipped in `kubernetes-models` (an ESM-only
// package, so this runs as its own Node process). Reads a JSON array of documents on stdin; prints a JSON
// array with, per document, null when valid or the validation message.
import process from 'node:process';
import * as core from 'kubernetes-models/v1';
import * as apps from 'kubernetes-models/apps/v1';
import * as autoscaling from 'kubernetes-models/autoscaling/v2';
import * as policy from 'kubernetes-models/policy/v1';
import * as networking from 'kubernetes-models/networking.k8s.io/v1';
import * as batch from 'kubernetes-models/batch/v1';

const groups = { v1: core, 'apps/v1': apps, 'autoscaling/v2': autoscaling, 'policy/v1': policy, 'networking.k8s.io/v1': networking, 'batch/v1': batch };
let input = '';
for await (const chunk of process.stdin) input += chunk;
const results = JSON.parse(input).map((doc) => {
  const Model = groups[doc.apiVersion]?.[doc.kind];
  if (!Model) return `no schema for ${doc.apiVersion} ${doc.kind}`;
  try {
    new Model(doc).validate();
    return null;
  } catch (error) {
    return String(error.message ?? error);
  }
});
process.stdout.write(JSON.stringify(results));
