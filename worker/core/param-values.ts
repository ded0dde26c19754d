/**
 * Reading task parameters that may arrive as strings (CloudFormation parameters, GraphQL ParameterValue,
 * CLI flags) or as JSON values (a params file). Errors name the parameter.
 */
import { InvalidParameterError } from './errors.js';

export type RawParams = Record<string, unknown>;

/** The trimmed text of a parameter, or undefined when absent or blank. */
export function paramText(raw: RawParams, field: string): string | undefined {
  const v = raw[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') throw new InvalidParameterError(field, 'must be a string');
  const s = String(v).trim();
  return s === '' ? undefined : s;
}

export function paramBool(raw: RawParams, field: string, fallback: boolean): boolean {
  const v = paramText(raw, field);
  if (v === undefined) return fallback;
  if (/^(true|yes|1)$/i.test(v)) return true;
  if (/^(false|no|0)$/i.test(v)) return false;
  throw new InvalidParameterError(field, `"${v}" is not true or false`);
}

export function paramInt(raw: RawParams, field: string, fallback: number, min: number, max: number): number {
  const v = paramText(raw, field);
  if (v === undefined) return fallback;
  if (!/^\d+$/.test(v)) throw new InvalidParameterError(field, `"${v}" is not a whole number`);
  const n = Number(v);
  if (n < min || n > max) throw new InvalidParameterError(field, `must be between ${min} and ${max}`);
  return n;
}
