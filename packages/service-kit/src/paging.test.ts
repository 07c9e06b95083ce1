import { pageSize } from './paging.ts';
import { DomainError } from './errors.ts';

test('a page size within range is kept, absent takes the default, anything else is BAD_USER_INPUT naming the argument', () => {
  expect(pageSize(1, 20, 100)).toBe(1);
  expect(pageSize(100, 20, 100)).toBe(100);
  expect(pageSize(undefined, 20, 100)).toBe(20);
  expect(pageSize(null, 20, 100)).toBe(20);
  for (const bad of [0, -1, 101, 2.5, Number.NaN]) {
    const error = (() => {
      try {
        pageSize(bad, 20, 100, 'limit');
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(DomainError);
    expect((error as DomainError).extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'limit' });
    expect((error as DomainError).message).toBe('limit must be 1–100');
  }
});
