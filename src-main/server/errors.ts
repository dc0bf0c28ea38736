/**
 * Typed errors → HTTP. The body is always `{ error: { code, message, where?, hint?, problems? } }`;
 * nothing else (no stack, no driver message for unknown failures, no credentials).
 */
import { FleetpackError, OciError } from '../errors.js';

const STATUS: Record<string, number> = {
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  RATE_LIMITED: 429,
  NOT_FOUND: 404,
  BAD_REQUEST: 400,
  PUBLISH_REFUSED: 422,
  VERSION_EXISTS: 409,
  UPLOAD_UNKNOWN: 404,
  UPLOAD_RANGE_INVALID: 416,
  UPLOAD_BUSY: 409,
  UPLOAD_INTERRUPTED: 400,
  UPLOAD_CHUNK_TOO_LONG: 400,
  UPLOAD_TOO_LARGE: 413,
  DIGEST_MISMATCH: 400,
  DIGEST_INVALID: 400,
  RELEASE_NOT_FOUND: 404,
  CHANNEL_EMPTY: 404,
  CHANNEL_INVALID: 400,
  REGISTRY_REF_INVALID: 400,
  REGISTRY_NOT_A_PACKAGE: 422,
  DATABASE_UNAVAILABLE: 503,
  PLATFORM_NOT_INITIALIZED: 503,
  OCI_REF_INVALID: 400,
  OCI_NOT_FOUND: 404,
  OCI_NOT_A_PACKAGE: 422,
  OCI_LAYER_PATH_INVALID: 422,
  OCI_UNSUPPORTED_MEDIA_TYPE: 422,
  OCI_PLAIN_HTTP_REFUSED: 400,
  DEVICE_UNKNOWN: 403,
  DEVICE_NOT_FOUND: 404,
  DEVICE_EXISTS: 409,
  DEVICE_DECLINED: 409,
  TARGET_NOT_ASSIGNED: 403,
  ROLLOUT_NOT_FOUND: 404,
  ROLLOUT_STATE: 409,
  ROLLOUT_NOT_ON_CHANNEL: 409,
  RELEASE_NOT_SIGNED: 409,
  ROLLOUT_NO_DEVICES: 422,
  BODY_TOO_LARGE: 413,
};

export interface ErrorBody {
  error: { code: string; message: string; where?: string; hint?: string; problems?: unknown[] };
}

export function httpStatus(e: FleetpackError): number {
  const s = STATUS[e.code];
  if (s) return s;
  // The registry behind a publish --from failed (down, 401, bad content): a gateway error.
  if (e instanceof OciError) return 502;
  return 400;
}

export function errorBody(e: FleetpackError): ErrorBody {
  const body = e.toJSON() as ErrorBody['error'];
  // A server-side failure's `where` names internals (database location): the log has it, clients do not.
  if (httpStatus(e) >= 500 && !(e instanceof OciError)) delete body.where;
  return { error: body };
}

export function apiError(code: string, message: string, hint?: string): FleetpackError {
  return new FleetpackError(code, message, hint === undefined ? {} : { hint });
}
