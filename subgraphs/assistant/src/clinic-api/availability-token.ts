// In chat the assistant holds no token of the patient. To find free time there it uses a partner client of
// its own with the read-only `availability:read` scope (ASSISTANT_PARTNER_CLIENT_ID / _SECRET, issued by an
// admin with issuePartnerClient): it can read free slots and nothing else, less than any patient. Bookings
// are made by the patient's own client (chat's BOOK_SLOT quick actions). The token is reused until shortly
// before it expires.
export interface PartnerCredentials {
  clientId: string;
  clientSecret: string;
}

export function availabilityToken(routerUrl: () => string, credentials: () => PartnerCredentials | null, now: () => Date = () => new Date()): () => Promise<string | null> {
  let cached: { authorization: string; expiresAt: number } | null = null;
  return async () => {
    const creds = credentials();
    if (!creds) return null;
    if (cached && cached.expiresAt - 60_000 > now().getTime()) return cached.authorization;
    const res = await fetch(routerUrl(), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        query: `mutation AssistantPartnerToken($id: String!, $secret: String!) { partnerToken(clientId: $id, clientSecret: $secret) { accessToken expiresAt } }`,
        variables: { id: creds.clientId, secret: creds.clientSecret },
      }),
      signal: AbortSignal.timeout(10_000),
    });
    const body = (await res.json()) as { data?: { partnerToken: { accessToken: string; expiresAt: string } } };
    if (!body.data) return null;
    cached = { authorization: `Bearer ${body.data.partnerToken.accessToken}`, expiresAt: Date.parse(body.data.partnerToken.expiresAt) };
    return cached.authorization;
  };
}
