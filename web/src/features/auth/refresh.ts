// Trades the refresh token for a new token pair through identity's refreshSession mutation (the old
// refresh token is retired by identity; presenting it again would revoke the whole session).
import type { RefreshMutate } from '../../api/client.ts';
import type { Tokens } from '../../api/session.ts';
import { RefreshSessionDocument } from '../../gql/graphql.ts';

export async function refreshTokens(refreshToken: string, mutate: RefreshMutate): Promise<Tokens | null> {
  const result = await mutate(RefreshSessionDocument, { refreshToken });
  if (result.error?.networkError) throw result.error.networkError;
  const auth = result.data?.refreshSession;
  return auth ? { accessToken: auth.accessToken, refreshToken: auth.refreshToken } : null;
}
