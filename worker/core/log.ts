/**
 * Structured logs: one JSON object per line on stderr, so stdout stays free for command output.
 * Fields whose names look secret are masked; values registered with `redactValue` are masked wherever they appear.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

const SECRET_FIELD = /secret|password|token|credential|authorization|session/i;
const redactedValues = new Set<string>();

/** Registers a secret value (e.g. a loaded secret access key) so it can never reach a log line. */
export function redactValue(value: string | undefined): void {
  if (value && value.length >= 4) redactedValues.add(value);
}

export function redactText(text: string): string {
  let out = text;
  for (const v of redactedValues) out = out.split(v).join('***');
  return out;
}

function scrub(value: unknown, key = ''): unknown {
  if (value === null || value === undefined) return value;
  if (SECRET_FIELD.test(key) && typeof value !== 'object' && typeof value !== 'boolean' && typeof value !== 'number')
    return '***';
  if (typeof value === 'string') return redactText(value);
  if (value instanceof Error) return { name: value.name, message: redactText(value.message) };
  if (Array.isArray(value)) return value.map((v) => scrub(v));
  if (typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) out[k] = scrub(v, k);
    return out;
  }
  return value;
}

export interface Logger {
  debug(event: string, fields?: Record<string, unknown>): void;
  info(event: string, fields?: Record<string, unknown>): void;
  warn(event: string, fields?: Record<string, unknown>): void;
  error(event: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
}

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export function createLogger(
  base: Record<string, unknown> = {},
  options: { level?: LogLevel; write?: (line: string) => void } = {},
): Logger {
  const min = ORDER[options.level ?? 'info'];
  const write = options.write ?? ((line: string) => process.stderr.write(`${line}\n`));
  const emit = (level: LogLevel, event: string, fields?: Record<string, unknown>) => {
    if (ORDER[level] < min) return;
    write(JSON.stringify(scrub({ time: new Date().toISOString(), level, event, ...base, ...fields })));
  };
  return {
    debug: (e, f) => emit('debug', e, f),
    info: (e, f) => emit('info', e, f),
    warn: (e, f) => emit('warn', e, f),
    error: (e, f) => emit('error', e, f),
    child: (fields) => createLogger({ ...base, ...fields }, options),
  };
}

/** A logger that drops everything (tests, or a CLI run with a progress bar and --quiet). */
export const silentLogger: Logger = createLogger({}, { write: () => {} });
