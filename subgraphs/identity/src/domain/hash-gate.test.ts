// The hash gate: one client's flood never takes more than its one slot, the next client's work starts
// at once, the flood beyond a short queue is refused, and clients take turns for the shared slots.
import { createHashGate } from './hash-gate.ts';

/** Work that finishes when the test says so. */
function controllable() {
  const started: string[] = [];
  const finishers = new Map<string, () => void>();
  const work = (name: string) => () => {
    started.push(name);
    return new Promise<string>((resolve) => finishers.set(name, () => resolve(name)));
  };
  const finish = async (name: string) => {
    finishers.get(name)!();
    await new Promise((r) => setImmediate(r));
  };
  return { started, work, finish };
}

test("a flooding client runs one hash at a time; another client's hash starts at once", async () => {
  const gate = createHashGate({ concurrency: 2, queuePerClient: 3 });
  const { started, work, finish } = controllable();
  const flood = Array.from({ length: 10 }, (_, i) => gate.run('ip:attacker', work(`a${i}`)).catch((e: Error) => e));
  const good = gate.run('ip:user', work('good'));
  await new Promise((r) => setImmediate(r));
  expect(started).toEqual(['a0', 'good']);
  const refused = (await Promise.all(flood.slice(4))) as unknown as { extensions: { code: string } }[];
  expect(refused.map((e) => e.extensions.code)).toEqual(Array(6).fill('RATE_LIMITED'));
  await finish('good');
  expect(await good).toBe('good');
  await finish('a0');
  expect(started).toEqual(['a0', 'good', 'a1']);
});

test('clients take turns for the shared slots', async () => {
  const gate = createHashGate({ concurrency: 1, queuePerClient: 5 });
  const { started, work, finish } = controllable();
  for (let i = 0; i < 3; i++) void gate.run('a', work(`a${i}`));
  for (let i = 0; i < 2; i++) void gate.run('b', work(`b${i}`));
  await new Promise((r) => setImmediate(r));
  for (const name of ['a0', 'b0', 'a1', 'b1']) await finish(name);
  expect(started).toEqual(['a0', 'b0', 'a1', 'b1', 'a2']);
});

test('work that throws at once frees its slot', async () => {
  const gate = createHashGate({ concurrency: 1, queuePerClient: 1 });
  await expect(gate.run('a', () => { throw new Error('bad input'); })).rejects.toThrow('bad input');
  await expect(gate.run('a', async () => 'next')).resolves.toBe('next');
});
