// A client's `next` frames: the id of its own subscription around one shared serialisation, and nothing
// for a socket that is closing or holds too much unsent.
import type { ExecutionResult } from 'graphql';
import { MAX_UNSENT_BYTES, sendNext } from './client-frames.ts';

const socket = (state: { readyState?: number; bufferedAmount?: number } = {}) => {
  const sent: string[] = [];
  return { sent, readyState: state.readyState ?? 1, OPEN: 1 as const, bufferedAmount: state.bufferedAmount ?? 0, send: (data: string) => void sent.push(data) };
};

test('each client gets its own subscription id around the same payload', () => {
  const result: ExecutionResult = { data: { slotChanged: { id: 's1' } } };
  const a = socket();
  const b = socket();
  expect(sendNext(a as never, 'a-1', result)).toBe(true);
  expect(sendNext(b as never, 'b"7', result)).toBe(true);
  expect(JSON.parse(a.sent[0]!)).toEqual({ id: 'a-1', type: 'next', payload: result });
  expect(JSON.parse(b.sent[0]!)).toEqual({ id: 'b"7', type: 'next', payload: result });
});

test('a closing socket, or one holding too much unsent, gets nothing', () => {
  const result: ExecutionResult = { data: { x: 1 } };
  const closing = socket({ readyState: 2 });
  const full = socket({ bufferedAmount: MAX_UNSENT_BYTES + 1 });
  expect(sendNext(closing as never, '1', result)).toBe(false);
  expect(sendNext(full as never, '1', result)).toBe(false);
  expect(closing.sent).toEqual([]);
  expect(full.sent).toEqual([]);
});
