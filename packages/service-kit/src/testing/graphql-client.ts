// Cross-service tests talk to the router as a client would: a GraphQL call that must succeed, identity's
// sign-in, and a wait on a condition (never on a timing margin).

export type GraphQLErrors = { message: string; extensions?: Record<string, unknown> }[] | undefined;

/** The stable code of the first error. */
export const codeOf = (errors: GraphQLErrors) => errors?.[0]?.extensions?.code;

export async function postGraphQL<T>(url: string, query: string, variables: Record<string, unknown> = {}, token?: string): Promise<{ data?: T | null; errors?: GraphQLErrors }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  return (await res.json()) as { data?: T | null; errors?: GraphQLErrors };
}

export type GraphQLCall = <T>(query: string, variables?: Record<string, unknown>, token?: string) => Promise<T>;

/** A caller whose calls must succeed (an error fails the test with the errors); the URL is read per call. */
export function graphqlCaller(url: () => string): GraphQLCall {
  return async <T>(query: string, variables: Record<string, unknown> = {}, token?: string): Promise<T> => {
    const body = await postGraphQL<T>(url(), query, variables, token);
    if (body.errors?.length || !body.data) throw new Error(`${query.slice(0, 60)}… failed: ${JSON.stringify(body.errors)}`);
    return body.data;
  };
}

export interface SignedIn {
  token: string;
  userId: string;
}

/** Signs in with identity's password sign-in (no second step) through the router. */
export async function signIn(call: GraphQLCall, who: { email: string; password: string }): Promise<SignedIn> {
  const d = await call<{ signIn: { status: string; auth: { accessToken: string; user: { id: string } } | null } }>(
    `mutation($email: String!, $password: String!) { signIn(email: $email, password: $password) { status auth { accessToken user { id } } } }`,
    who,
  );
  if (d.signIn.status !== 'SIGNED_IN' || !d.signIn.auth) throw new Error(`sign-in of ${who.email} ended ${d.signIn.status}`);
  return { token: d.signIn.auth.accessToken, userId: d.signIn.auth.user.id };
}

/** Reads until `ok` holds or the time is up, then returns the last value (the caller's expect says what was wrong). */
export async function eventually<T>(read: () => Promise<T>, ok: (value: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (ok(value) || Date.now() > deadline) return value;
    await new Promise((r) => setTimeout(r, 100));
  }
}
