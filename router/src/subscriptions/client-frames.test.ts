// A client's `next` frames: the id of its own subscription around one shared serialisation, and nothing
// for a socket that is closing; a socket that holds too much unsent is closed (1013), never silently skipped.
import type { ExecutionResult } from 'graphql';
import { MAX_UNSENT_BYTES, WS_CLOSE_TOO_SLOW, sendNext } from './client-frames.ts';

const socket = (state: { readyState?: number; bufferedAmount?: number } = {}) => {
  const sent: string[] = [];
  const closed: number[] = [];
  return {
    sent, closed, readyState: state.readyState ?? 1, OPEN: 1 as const, bufferedAmount: state.bufferedAmount ?? 0,
    send: (data: string) => void sent.push(data), close: (code: number) => void closed.push(code),
  };
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

test('a closing socket gets nothing; one holding too much unsent is closed so its client reconnects and catches up', () => {
  const result: ExecutionResult = { data: { x: 1 } };
  const closing = socket({ readyState: 2 });
  const full = socket({ bufferedAmount: MAX_UNSENT_BYTES + 1 });
  expect(sendNext(closing as never, '1', result)).toBe(false);
  expect(sendNext(full as never, '1', result)).toBe(false);
  expect(closing.sent).toEqual([]);
  expect(full.sent).toEqual([]);
  expect(full.closed).toEqual([WS_CLOSE_TOO_SLOW]);
  expect(closing.closed).toEqual([]);
});
