// Structured JSON logs. Never log PHI (names, reasons, message text): ids only.
// Each line carries trace_id and span_id of the active span (when tracing is on) beside the request id.
import pino, { type Logger } from 'pino';
import { traceIds } from './telemetry.ts';

export type { Logger };

export function createLogger(service: string, level = 'info'): Logger {
  return pino({ name: service, level, base: { service }, timestamp: pino.stdTimeFunctions.isoTime, mixin: () => traceIds() });
}
