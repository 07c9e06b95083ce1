// For COMPONENT tests only: a real urql Client whose last exchange answers each operation by name
// from fixed handlers (recording the calls), and whose subscriptions are subjects the test pushes
// events into. End-to-end tests use the real router instead.
import type { ReactNode } from 'react';
import { MemoryRouter } from 'react-router';
import { Client, makeResult, makeErrorResult, type Exchange, type Operation } from 'urql';
import { GraphQLError } from 'graphql';
import { filter, fromValue, makeSubject, mergeMap, pipe, type Subject } from 'wonka';
import { render } from '@testing-library/react';
import { Providers } from '../Root.tsx';
import { createSessionStore } from '../api/session.ts';
import { createI18n } from '../i18n/index.ts';

type Vars = Record<string, unknown>;
export type Handler = (variables: Vars) => { data: unknown } | { errorCode: string; message?: string; extensions?: Record<string, unknown> };

export interface FixedClient {
  client: Client;
  calls: { name: string; variables: Vars }[];
  push(subscriptionName: string, data: unknown): void;
}

function nameOf(op: Operation): string {
  const def = op.query.definitions.find((d) => d.kind === 'OperationDefinition');
  return (def && 'name' in def && def.name?.value) || 'anonymous';
}

export function fixedClient(handlers: Record<string, Handler>): FixedClient {
  const calls: FixedClient['calls'] = [];
  const subjects = new Map<string, Subject<unknown>[]>();
  const exchange: Exchange = () => (ops$) =>
    pipe(
      ops$,
      filter((op) => op.kind !== 'teardown'),
      mergeMap((op) => {
        const name = nameOf(op);
        calls.push({ name, variables: op.variables as Vars });
        if (op.kind === 'subscription') {
          const subject = makeSubject<unknown>();
          subjects.set(name, [...(subjects.get(name) ?? []), subject]);
          return pipe(
            subject.source,
            mergeMap((data) => fromValue(makeResult(op, { data: data as Record<string, unknown> }))),
          );
        }
        const handler = handlers[name];
        if (!handler) return fromValue(makeErrorResult(op, new Error(`no fixed result for ${name}`)));
        const answer = handler(op.variables as Vars);
        if ('errorCode' in answer) {
          return fromValue(makeResult(op, { errors: [new GraphQLError(answer.message ?? answer.errorCode, { extensions: { code: answer.errorCode, ...answer.extensions } })] }));
        }
        return fromValue(makeResult(op, { data: answer.data as Record<string, unknown> }));
      }),
    );
  const client = new Client({ url: 'http://test.invalid/graphql', exchanges: [exchange], requestPolicy: 'network-only' });
  return {
    client,
    calls,
    push(name, data) {
      for (const s of subjects.get(name) ?? []) s.next(data);
    },
  };
}

function b64url(value: unknown): string {
  return btoa(JSON.stringify(value)).replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');
}

export function fakeAccessToken(sub: string, roles: string[]): string {
  return `${b64url({ alg: 'none' })}.${b64url({ sub, roles, exp: Math.floor(Date.now() / 1000) + 3600 })}.x`;
}

/** `signedOut`: no session (sign-in, registration and verification screens); `session` is returned for asserting. */
export function renderWith(
  ui: ReactNode,
  { client, roles = ['PATIENT'], userId = '11111111-1111-4111-8111-111111111111', path = '/', signedOut = false }: { client: Client; roles?: string[]; userId?: string; path?: string; signedOut?: boolean },
) {
  const session = createSessionStore(false);
  if (!signedOut) session.set({ accessToken: fakeAccessToken(userId, roles), refreshToken: null });
  const i18n = createI18n('en');
  const rendered = render(
    <MemoryRouter initialEntries={[path]}>
      <Providers client={client} session={session} i18n={i18n}>
        {ui}
      </Providers>
    </MemoryRouter>,
  );
  return Object.assign(rendered, { session });
}
