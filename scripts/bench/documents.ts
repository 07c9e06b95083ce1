// Documents benchmark: upload and download 1, 20 and 100 MB files through the documents service's
// /files routes and report throughput and the service's peak memory, which must stay flat as files
// grow (bytes are streamed and encrypted frame by frame, never held whole). The service runs in a
// child process (this file, forked with a role) so its memory is its own. Real Postgres (a throwaway
// schema) and Redis from DATABASE_URL / REDIS_URL; files under a temporary DATA_DIR.
//   npx tsx scripts/bench/documents.ts          # 1, 20, 100 MB
//   npx tsx scripts/bench/documents.ts 5 50     # chosen sizes in MB
import { fork } from 'node:child_process';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';

type Msg = { type: string; [key: string]: unknown };
const MB = 1024 * 1024;

async function runService() {
  const { startSubgraph } = await import('@clinic/service-kit');
  const { testServiceConfig, dropSchema } = await import('@clinic/service-kit/testing');
  const { createDocumentsSubgraph } = await import('../../subgraphs/documents/src/service.ts');
  const env = { NODE_ENV: 'test', DATA_DIR: process.env.BENCH_DATA_DIR!, DOCUMENTS_KEYS: `k1:${randomBytes(32).toString('base64')}` };
  const config = testServiceConfig('documents', { jwksJson: process.env.JWKS_JSON! } as never, { LOG_LEVEL: 'warn' });
  const subgraph = await startSubgraph(createDocumentsSubgraph({ env }), config);
  let peak = 0;
  const sample = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 10);
  process.send?.({ type: 'ready', url: subgraph.url });
  process.on('message', async (msg: Msg) => {
    if (msg.type === 'peak') {
      (globalThis as { gc?: () => void }).gc?.();
      process.send?.({ type: 'peak', peak, now: process.memoryUsage().rss });
      peak = process.memoryUsage().rss;
    }
    if (msg.type === 'stop') {
      clearInterval(sample);
      await subgraph.stop();
      await dropSchema(config.dbSchema);
      process.exit(0);
    }
  });
}

async function main() {
  const { createTestKeys, signTestToken } = await import('@clinic/service-kit/testing');
  const sizes = process.argv.slice(2).map(Number).filter((n) => n > 0);
  const keys = await createTestKeys();
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'documents-bench-'));
  const child = fork(__filename, [], { env: { ...process.env, DOCUMENTS_BENCH_ROLE: 'service', JWKS_JSON: keys.jwksJson, BENCH_DATA_DIR: dataDir }, execArgv: ['--import', 'tsx', '--expose-gc'] });
  const next = (type: string) => new Promise<Msg>((resolve) => child.once('message', (m: Msg) => m.type === type && resolve(m)));
  const { url } = (await next('ready')) as unknown as { url: string };
  const origin = new URL(url).origin;
  const token = await signTestToken(keys, { sub: randomUUID(), roles: ['PATIENT'] });
  const auth = { authorization: `Bearer ${token}` };
  const chunk = Buffer.concat([Buffer.from('%PDF-1.7\n'), randomBytes(MB - 9)]);

  const graphql = async (query: string, variables: Record<string, unknown>) => {
    const res = await fetch(url, { method: 'POST', headers: { ...auth, 'content-type': 'application/json', 'x-router-secret': 'test-router-secret' }, body: JSON.stringify({ query, variables }) });
    return ((await res.json()) as { data: Record<string, { documentId: string; url: string; downloadUrl: string }> }).data;
  };
  const peak = async () => {
    child.send({ type: 'peak' });
    return (await next('peak')) as unknown as { peak: number; now: number };
  };

  await peak();
  const baseline = (await peak()).now;
  console.log(`service RSS at rest: ${(baseline / MB).toFixed(0)} MB`);
  console.log('size    | upload MB/s | download MB/s | peak RSS upload | peak RSS download | bytes match');
  for (const size of sizes.length ? sizes : [1, 20, 100]) {
    const bytes = size * MB;
    const sent = createHash('sha256');
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        const already = (this as unknown as { n?: number }).n ?? 0;
        if (already >= size) return controller.close();
        (this as unknown as { n: number }).n = already + 1;
        sent.update(chunk);
        controller.enqueue(chunk);
      },
    });
    const grant = (await graphql(`mutation($s: Int!) { createUpload(type: OTHER, fileName: "bench.pdf", size: $s) { documentId url } }`, { s: bytes })).createUpload!;
    let t0 = performance.now();
    const put = await fetch(new URL(grant.url, origin), { method: 'PUT', headers: auth, body, duplex: 'half' } as RequestInit);
    if (put.status !== 201) throw new Error(`upload failed: ${put.status} ${await put.text()}`);
    const upSeconds = (performance.now() - t0) / 1000;
    const upPeak = (await peak()).peak;

    const doc = (await graphql(`query($id: ID!) { document(id: $id) { downloadUrl } }`, { id: grant.documentId })).document!;
    t0 = performance.now();
    const got = await fetch(new URL(doc.downloadUrl, origin), { headers: auth });
    const received = createHash('sha256');
    for await (const part of got.body as unknown as AsyncIterable<Uint8Array>) received.update(part);
    const downSeconds = (performance.now() - t0) / 1000;
    const downPeak = (await peak()).peak;
    const match = received.digest('hex') === sent.digest('hex');
    console.log(
      `${String(size).padStart(4)} MB | ${(size / upSeconds).toFixed(1).padStart(11)} | ${(size / downSeconds).toFixed(1).padStart(13)} | ${`${(upPeak / MB).toFixed(0)} MB`.padStart(15)} | ${`${(downPeak / MB).toFixed(0)} MB`.padStart(17)} | ${match}`,
    );
    if (!match) process.exitCode = 1;
  }
  child.send({ type: 'stop' });
  await new Promise((resolve) => child.once('exit', resolve));
  rmSync(dataDir, { recursive: true, force: true });
}

if (process.env.DOCUMENTS_BENCH_ROLE === 'service') void runService();
else
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
