// The clinic's chat settings, read once at start (environment of the launcher or process), validated by zod.
import { z } from 'zod';
import { ConfigError } from '@clinic/service-kit';

const schema = z.object({
  CHAT_MAX_MESSAGE_CHARS: z.coerce.number().int().min(1).max(100_000).default(4000),
  CHAT_EDIT_WINDOW_MINUTES: z.coerce.number().int().min(0).default(15),
  CHAT_INACTIVE_AFTER_DAYS: z.coerce.number().int().min(1).default(30),
  CHAT_TYPING_THROTTLE_MS: z.coerce.number().int().min(0).default(2000),
  CHAT_FREE_STANDING: z.enum(['true', 'false']).default('true'),
  CHAT_DESK_ASSISTANT: z.enum(['true', 'false']).default('true'),
});

export interface ChatSettings {
  maxMessageChars: number;
  editWindowMs: number;
  inactiveAfterMs: number;
  typingThrottleMs: number;
  /** Patients may open conversations that are not about an appointment. */
  freeStanding: boolean;
  /** The clinic assistant joins every new desk conversation and answers first (an operator takes over). */
  deskAssistant: boolean;
}

export function loadChatSettings(env: Record<string, string | undefined> = process.env): ChatSettings {
  const present = Object.fromEntries(Object.entries(env).filter(([k, v]) => k.startsWith('CHAT_') && v !== ''));
  const parsed = schema.safeParse(present);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ConfigError(`${issue.path.join('.')}: ${issue.message}`);
  }
  const s = parsed.data;
  return {
    maxMessageChars: s.CHAT_MAX_MESSAGE_CHARS,
    editWindowMs: s.CHAT_EDIT_WINDOW_MINUTES * 60_000,
    inactiveAfterMs: s.CHAT_INACTIVE_AFTER_DAYS * 86_400_000,
    typingThrottleMs: s.CHAT_TYPING_THROTTLE_MS,
    freeStanding: s.CHAT_FREE_STANDING === 'true',
    deskAssistant: s.CHAT_DESK_ASSISTANT === 'true',
  };
}
