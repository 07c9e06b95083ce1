// Child-process scaffolding shared by the benchmarks that run servers in their own processes (so each one's
// memory and CPU are its own): the parent forks the bench file again with a role in an environment variable;
// the child starts its server, says `ready`, answers the parent's requests by type (`stats`, …) and exits on
// `stop` or when the parent goes away. The parent kills its children on SIGINT/SIGTERM or on failure.
// Not a benchmark itself (scripts/bench.ts skips it).
import { fork, type ChildProcess } from 'node:child_process';
import http from 'node:http';

export type Msg = { type: string; [key: string]: unknown };

/** Sends a message to the parent (no-op in the parent itself). */
export const tell = (msg: Msg) => process.send?.(msg);

/** This process's role (from `variable`), or undefined in the parent. A child whose parent is gone stops too. */
export function roleOf(variable: string): string | undefined {
  const role = process.env[variable];
  if (role) process.on('disconnect', () => process.exit(0));
  return role;
}

/** Heap after a full GC (what is live) and RSS; children run with --expose-gc. */
export function memory() {
  (globalThis as { gc?: () => void }).gc?.();
  const m = process.memoryUsage();
  return { rss: m.rss, heapUsed: m.heapUsed };
}

/** CPU time this process has used so far (user + system), in ms. */
export function cpuMs(): number {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1000;
}

/**
 * In a child: a CPU profiler for one phase of the bench (the parent asks `profileStart`, then `profileStop`),
 * written as `<dir>/<name>.cpuprofile` (open in Chrome DevTools). Without `dir`, both answer and do nothing.
 */
export function phaseProfiler(dir: string | undefined, name: string): Record<string, () => Promise<Msg>> {
  let session: import('node:inspector').Session | null = null;
  const post = (method: string) =>
    new Promise<unknown>((resolve, reject) => session!.post(method, (error, result) => (error ? reject(error) : resolve(result))));
  return {
    profileStart: async () => {
      if (dir) {
        const { Session } = await import('node:inspector');
        session = new Session();
        session.connect();
        await post('Profiler.enable');
        await post('Profiler.start');
      }
      return { type: 'profiling' };
    },
    profileStop: async () => {
      if (dir && session) {
        const { profile } = (await post('Profiler.stop')) as { profile: unknown };
        session.disconnect();
        session = null;
        const { mkdirSync, writeFileSync } = await import('node:fs');
        mkdirSync(dir, { recursive: true });
        writeFileSync(`${dir}/${name}.cpuprofile`, JSON.stringify(profile));
      }
      return { type: 'profiled' };
    },
  };
}

/** In a child: answers each request type with its handler's message; `stop` runs `stop` and exits. */
export function answerParent(handlers: Record<string, () => Msg | Promise<Msg>>, stop: () => Promise<void>) {
  process.on('message', async (msg: Msg) => {
    const handler = handlers[msg.type];
    if (handler) tell(await handler());
    if (msg.type === 'stop') {
      await stop();
      process.exit(0);
    }
  });
}

/**
 * In the parent: forks `file` with `variable` = role. `cpuProfDir` writes a .cpuprofile per child there
 * (open in Chrome DevTools).
 */
export function childProcesses(file: string, variable: string, opts: { cpuProfDir?: string } = {}) {
  const children = new Set<ChildProcess>();
  const killAll = () => {
    for (const child of children) child.kill();
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      killAll();
      process.exit(1);
    });
  }
  return {
    /** Forks a child and waits for its `ready` message. */
    start(name: string, env: Record<string, string>): Promise<{ child: ChildProcess; ready: Msg }> {
      const child = fork(file, [], {
        env: { ...process.env, ...env, [variable]: name },
        // BENCH_CHILD_FLAGS: more node/V8 flags for the children (e.g. --trace-gc, which NODE_OPTIONS refuses).
        execArgv: [
          '--import', 'tsx', '--expose-gc', '--max-old-space-size=2048',
          ...(opts.cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${opts.cpuProfDir}`] : []),
          ...(process.env.BENCH_CHILD_FLAGS?.split(' ').filter(Boolean) ?? []),
        ],
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      });
      children.add(child);
      child.once('exit', () => children.delete(child));
      return new Promise((resolve, reject) => {
        child.once('message', (ready: Msg) => resolve({ child, ready }));
        child.once('exit', (code) => reject(new Error(`${name} exited with ${code}`)));
      });
    },
    killAll,
  };
}

/** Asks a child for something and waits for its answer. */
export function ask(child: ChildProcess, type: string): Promise<Msg> {
  return new Promise((resolve) => {
    child.once('message', (m: Msg) => resolve(m));
    child.send({ type });
  });
}

/** Tells children to stop and waits until they have exited. */
export async function stopAll(children: ChildProcess[]): Promise<void> {
  const exited = children.map((c) => new Promise((r) => c.once('exit', r)));
  for (const child of children) child.send({ type: 'stop' });
  await Promise.all(exited);
}

/** POSTs a JSON body over `agent`'s kept-alive sockets; resolves with the status and, if `read`, the answer's text. */
export function post(url: URL, body: string, agent: http.Agent, opts: { headers?: Record<string, string>; read?: boolean } = {}): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const headers = { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), ...opts.headers };
    const req = http.request(url, { method: 'POST', agent, headers }, (res) => {
      let text = '';
      if (opts.read) res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
      else res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** POSTs a JSON body over `agent`'s kept-alive sockets; resolves when the answer is read, rejects unless it is 200. */
export async function postOk(url: URL, body: string, agent: http.Agent, headers: Record<string, string> = {}): Promise<void> {
  const { status } = await post(url, body, agent, { headers });
  if (status !== 200) throw new Error(`status ${status}`);
}

/** One second of a process's stalls: event-loop delay (max, p99) and GC pauses (count, total, max), in ms. */
export interface StallSecond {
  /** Unix second (wall clock, so the parent's and the children's seconds line up). */
  at: number;
  loopMaxMs: number;
  loopP99Ms: number;
  gcCount: number;
  gcMs: number;
  gcMaxMs: number;
  /** The longest GC pause's kind (Mark-compact, scavenge, incremental marking, weak callbacks), when there was one. */
  gcKind: string;
}

/**
 * Records this process's stalls second by second from now on: event-loop delay (perf_hooks'
 * monitorEventLoopDelay, 10 ms resolution, read and reset four times a second; p99 is the worst reading's) and GC pauses (a 'gc'
 * PerformanceObserver, each pause counted in the second it started). `between(from, to)` returns the seconds in
 * [from, to) (unix seconds). Keeps the last 10 minutes.
 */
export async function stallRecorder(): Promise<{ between(from: number, to: number): StallSecond[]; stop(): void }> {
  const { monitorEventLoopDelay, PerformanceObserver, constants } = await import('node:perf_hooks');
  const kinds: Record<number, string> = {
    [constants.NODE_PERFORMANCE_GC_MAJOR]: 'Mark-compact',
    [constants.NODE_PERFORMANCE_GC_MINOR]: 'scavenge',
    [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental marking',
    [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weak callbacks',
  };
  const seconds = new Map<number, StallSecond>();
  const secondOf = (at: number) => {
    let s = seconds.get(at);
    if (!s) {
      s = { at, loopMaxMs: 0, loopP99Ms: 0, gcCount: 0, gcMs: 0, gcMaxMs: 0, gcKind: '' };
      seconds.set(at, s);
      if (seconds.size > 600) seconds.delete(seconds.keys().next().value!);
    }
    return s;
  };
  const histogram = monitorEventLoopDelay({ resolution: 10 });
  histogram.enable();
  const gc = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      const s = secondOf(Math.floor((performance.timeOrigin + entry.startTime) / 1000));
      s.gcCount += 1;
      s.gcMs += entry.duration;
      if (entry.duration > s.gcMaxMs) {
        s.gcMaxMs = entry.duration;
        s.gcKind = kinds[((entry as { detail?: unknown }).detail as { kind?: number } | undefined)?.kind ?? -1] ?? '?';
      }
    }
  });
  gc.observe({ entryTypes: ['gc'] });
  // Read four times a second, each reading counted in the second it ends in (a reading late by a stall reports that stall).
  const tick = setInterval(() => {
    const s = secondOf(Math.floor(Date.now() / 1000));
    // The histogram records each 10 ms timer's whole interval: the delay is what exceeds it.
    s.loopMaxMs = Math.max(s.loopMaxMs, histogram.max / 1e6 - 10);
    s.loopP99Ms = Math.max(s.loopP99Ms, histogram.percentile(99) / 1e6 - 10);
    histogram.reset();
  }, 250);
  tick.unref();
  return {
    between: (from, to) => [...seconds.values()].filter((s) => s.at >= from && s.at < to).sort((a, b) => a.at - b.at),
    stop: () => {
      clearInterval(tick);
      histogram.disable();
      gc.disconnect();
    },
  };
}
