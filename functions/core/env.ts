import { MissingConfigurationError } from './errors.js';

/** Reads a required environment variable; generated resource names reach code only this way. */
export function requireEnv(name: string, env: NodeJS.ProcessEnv = process.env): string {
  const value = env[name];
  if (value === undefined || value === '') throw new MissingConfigurationError(name);
  return value;
}

export function optionalIntEnv(name: string, fallback: number, env: NodeJS.ProcessEnv = process.env): number {
  const value = env[name];
  if (value === undefined || value === '') return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed)) throw new MissingConfigurationError(`${name} (not an integer: '${value}')`);
  return parsed;
}
