// The subscription iterator's contract: buffering, ending, failing, and a return() that releases at once.
import { EventQueue } from './event-queue.ts';

test('delivers pushed events in order, buffered or awaited', async () => {
  const queue = new EventQueue<number>();
  queue.push(1);
  const pending = queue.next();
  expect(await pending).toEqual({ value: 1, done: false });
  const waiting = queue.next();
  queue.push(2);
  expect(await waiting).toEqual({ value: 2, done: false });
});

test('return() resolves a parked next() with done and runs onClose exactly once', async () => {
  const onClose = jest.fn();
  const queue = new EventQueue<number>({ onClose });
  const parked = queue.next();
  await queue.return();
  await queue.return();
  expect(await parked).toEqual({ value: undefined, done: true });
  expect(onClose).toHaveBeenCalledTimes(1);
  queue.push(3);
  expect(await queue.next()).toEqual({ value: undefined, done: true });
});

test('end(last) delivers the buffered events and the last one, then completes', async () => {
  const onClose = jest.fn();
  const queue = new EventQueue<string>({ onClose });
  queue.push('a');
  queue.end('expired');
  const seen: string[] = [];
  for await (const value of queue) seen.push(value);
  expect(seen).toEqual(['a', 'expired']);
  expect(onClose).toHaveBeenCalledTimes(1);
});

test('fail() rejects the waiting consumer', async () => {
  const queue = new EventQueue<number>();
  const parked = queue.next();
  queue.fail(new Error('upstream gone'));
  await expect(parked).rejects.toThrow('upstream gone');
});

test('drops the oldest events past the buffer limit', async () => {
  const queue = new EventQueue<number>({ maxBuffered: 2 });
  queue.push(1);
  queue.push(2);
  queue.push(3);
  expect(queue.dropped).toBe(1);
  expect((await queue.next()).value).toBe(2);
});

test('onClosed listeners run after close, even when added late', async () => {
  const queue = new EventQueue<number>();
  const early = jest.fn();
  queue.onClosed(early);
  await queue.return();
  const late = jest.fn();
  queue.onClosed(late);
  await new Promise((r) => setImmediate(r));
  expect(early).toHaveBeenCalledTimes(1);
  expect(late).toHaveBeenCalledTimes(1);
});
