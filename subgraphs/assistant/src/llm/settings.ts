// LLM mode is on when one is configured: an OpenAI-compatible server (LLM_BASE_URL), OpenAI itself
// (OPENAI_API_KEY) or Azure OpenAI (AZURE_OPENAI_*). Without any, the assistant is rule-based only.
import { ConfigError } from '@clinic/service-kit';
import { z } from 'zod';

export type LlmSettings =
  | { kind: 'openai'; model: string; apiKey: string; baseUrl: string | null; timeoutMs: number }
  | { kind: 'azure'; apiKey: string; endpoint: string; deployment: string; apiVersion: string; timeoutMs: number };

const schema = z.object({
  LLM_BASE_URL: z.string().url().optional(),
  LLM_API_KEY: z.string().min(1).optional(),
  LLM_MODEL: z.string().min(1).default('gpt-4o-mini'),
  LLM_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(8_000),
  OPENAI_API_KEY: z.string().min(1).optional(),
  AZURE_OPENAI_API_KEY: z.string().min(1).optional(),
  AZURE_OPENAI_ENDPOINT: z.string().url().optional(),
  AZURE_OPENAI_DEPLOYMENT: z.string().min(1).optional(),
  AZURE_OPENAI_API_VERSION: z.string().min(1).default('2024-10-21'),
});

export function loadLlmSettings(env: Record<string, string | undefined>): LlmSettings | null {
  const present = Object.fromEntries(Object.entries(env).filter(([k, v]) => /^(LLM_|OPENAI_API_KEY|AZURE_OPENAI_)/.test(k) && v));
  const parsed = schema.safeParse(present);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ConfigError(`${issue.path.join('.')}: ${issue.message}`);
  }
  const e = parsed.data;
  if (e.AZURE_OPENAI_API_KEY || e.AZURE_OPENAI_ENDPOINT) {
    if (!e.AZURE_OPENAI_API_KEY || !e.AZURE_OPENAI_ENDPOINT || !e.AZURE_OPENAI_DEPLOYMENT) {
      throw new ConfigError('Azure OpenAI needs AZURE_OPENAI_API_KEY, AZURE_OPENAI_ENDPOINT and AZURE_OPENAI_DEPLOYMENT');
    }
    return { kind: 'azure', apiKey: e.AZURE_OPENAI_API_KEY, endpoint: e.AZURE_OPENAI_ENDPOINT, deployment: e.AZURE_OPENAI_DEPLOYMENT, apiVersion: e.AZURE_OPENAI_API_VERSION, timeoutMs: e.LLM_TIMEOUT_MS };
  }
  if (!e.LLM_BASE_URL && !e.OPENAI_API_KEY) return null;
  // A local OpenAI-compatible server may need no key; the SDK wants one all the same.
  const apiKey = e.LLM_API_KEY ?? e.OPENAI_API_KEY ?? 'not-needed';
  return { kind: 'openai', model: e.LLM_MODEL, apiKey, baseUrl: e.LLM_BASE_URL ?? null, timeoutMs: e.LLM_TIMEOUT_MS };
}
