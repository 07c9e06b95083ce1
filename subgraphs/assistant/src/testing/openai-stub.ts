// A local OpenAI-compatible server for tests: POST …/chat/completions answers from a script (tool calls or a
// final text, or no answer at all) and records every request body, so a test can assert what the model
// was sent (tool results with the user's rights, no e-mail or phone number) and what it asked for.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export type StubStep =
  | { toolCalls: { name: string; args: Record<string, unknown> }[] }
  | { content: string }
  /** Never answers (until the stub closes): the assistant's timeout must fire. */
  | { hang: true };

export interface OpenAiStub {
  /** The base URL to give the SDK (LLM_BASE_URL). */
  url: string;
  /** Every chat-completions request body received, in order. */
  requests: { model?: string; messages: { role: string; content: unknown; tool_calls?: unknown[] }[]; tools?: { function: { name: string } }[] }[];
  /** Steps still to answer, first first. */
  script(steps: StubStep[]): void;
  close(): Promise<void>;
}

export async function startOpenAiStub(): Promise<OpenAiStub> {
  const steps: StubStep[] = [];
  const requests: OpenAiStub['requests'] = [];
  let calls = 0;
  let answers = 0;
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString('utf8')));
    req.on('end', () => {
      if (req.method !== 'POST' || !req.url?.includes('/chat/completions')) {
        res.writeHead(404).end();
        return;
      }
      requests.push(JSON.parse(raw) as OpenAiStub['requests'][number]);
      const step = steps.shift() ?? { content: 'OK.' };
      if ('hang' in step) return;
      const message =
        'toolCalls' in step
          ? {
              role: 'assistant',
              content: null,
              tool_calls: step.toolCalls.map((t) => ({ id: `call_${++calls}`, type: 'function', function: { name: t.name, arguments: JSON.stringify(t.args) } })),
            }
          : { role: 'assistant', content: step.content };
      const body = JSON.stringify({
        // Unique per answer: the agent keeps messages by id.
        id: `chatcmpl-${++answers}`,
        object: 'chat.completion',
        created: Math.floor(Date.now() / 1000),
        model: 'stub',
        choices: [{ index: 0, message, finish_reason: 'toolCalls' in step ? 'tool_calls' : 'stop' }],
        usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
      });
      res.writeHead(200, { 'content-type': 'application/json' }).end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    script: (s) => steps.push(...s),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
