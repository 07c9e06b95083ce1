// Signed one-click unsubscribe links (RFC 8058): the token names the user, type and channel and carries an
// HMAC, so only links we issued change a preference; GET shows a confirmation, POST unsubscribes.
import { createHmac, timingSafeEqual } from 'node:crypto';

export interface UnsubscribeClaim {
  userId: string;
  type: string;
  channel: string;
}

export interface UnsubscribeLinks {
  url(claim: UnsubscribeClaim): string;
  verify(token: string): UnsubscribeClaim | null;
}

export function unsubscribeLinks(secret: string, baseUrl: string): UnsubscribeLinks {
  const mac = (data: string) => createHmac('sha256', secret).update(`unsubscribe:${data}`).digest('base64url');
  return {
    url(claim) {
      const data = Buffer.from(JSON.stringify([claim.userId, claim.type, claim.channel])).toString('base64url');
      return `${baseUrl}/webhooks/unsubscribe?token=${data}.${mac(data)}`;
    },
    verify(token) {
      const [data, sig] = token.split('.');
      if (!data || !sig) return null;
      const expected = Buffer.from(mac(data));
      const given = Buffer.from(sig);
      if (expected.length !== given.length || !timingSafeEqual(expected, given)) return null;
      try {
        const [userId, type, channel] = JSON.parse(Buffer.from(data, 'base64url').toString('utf8')) as string[];
        return userId && type && channel ? { userId, type, channel } : null;
      } catch {
        return null;
      }
    },
  };
}
