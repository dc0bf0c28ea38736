import { FleetpackError, messageOf, UsageError } from '../errors.js';
import type { StudioError } from './contract.js';

/**
 * A thrown value as words for the UI: FleetpackErrors keep their code, message, where and hint;
 * anything else becomes a generic INTERNAL error (its stack goes to the Node side's log only).
 */
export function toStudioError(e: unknown): StudioError {
  if (e instanceof FleetpackError) {
    const j = e.toJSON();
    const pointer = (e as { pointer?: unknown }).pointer;
    return { ...j, ...(typeof pointer === 'string' ? { pointer } : {}) };
  }
  if (process.env.FLEETPACK_DEBUG) console.error(e);
  else console.error(`fleetpack studio: unexpected error: ${messageOf(e)}`);
  return {
    code: 'INTERNAL',
    message: 'Something went wrong inside Fleetpack.',
    hint: 'Try again; if it keeps happening, run with FLEETPACK_DEBUG=1 and report the log.',
  };
}

/** A request the UI should never make (bad handle, missing model): a usage error, in words. */
export function badRequest(message: string, hint?: string): UsageError {
  return new UsageError('BAD_REQUEST', message, hint ? { hint } : {});
}
