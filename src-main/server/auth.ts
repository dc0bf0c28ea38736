/**
 * Bearer tokens on every /v1 route, roles per route, and a limit on failed attempts per client
 * address (429 with Retry-After once it is reached), so tokens cannot be guessed at speed.
 * Tokens are never logged: the logger's request serializer has no headers.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Actor, Platform, TokenRole } from '../platform/index.js';
import { apiError } from './errors.js';

export interface FailureLimit {
  /** Failed attempts allowed per address within `windowMs`. */
  max: number;
  windowMs: number;
}

export const DEFAULT_FAILURE_LIMIT: FailureLimit = { max: 10, windowMs: 60_000 };

export class AuthFailures {
  private readonly byAddress = new Map<string, number[]>();
  constructor(readonly limit: FailureLimit = DEFAULT_FAILURE_LIMIT) {}

  /** Seconds until this address may try again, or 0. */
  blockedFor(address: string, now = Date.now()): number {
    const recent = (this.byAddress.get(address) ?? []).filter((t) => now - t < this.limit.windowMs);
    if (recent.length === 0) this.byAddress.delete(address);
    else this.byAddress.set(address, recent);
    if (recent.length < this.limit.max) return 0;
    return Math.max(1, Math.ceil((recent[0]! + this.limit.windowMs - now) / 1000));
  }

  fail(address: string, now = Date.now()): void {
    const list = this.byAddress.get(address) ?? [];
    list.push(now);
    this.byAddress.set(address, list);
    // Bounded memory under a flood of addresses: forget the oldest.
    if (this.byAddress.size > 100_000) this.byAddress.delete(this.byAddress.keys().next().value!);
  }
}

declare module 'fastify' {
  interface FastifyRequest {
    actor?: Actor;
  }
  interface FastifyContextConfig {
    /** Roles allowed on this route; absent means public. */
    roles?: readonly TokenRole[];
  }
}

export function authHook(platform: Platform, failures: AuthFailures) {
  return async (req: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const roles = req.routeOptions.config.roles;
    if (!roles) return;
    const wait = failures.blockedFor(req.ip);
    if (wait > 0) {
      reply.header('Retry-After', String(wait));
      throw apiError(
        'RATE_LIMITED',
        'Too many failed sign-in attempts from this address',
        `Wait ${wait} s, then use a valid token.`,
      );
    }
    const header = req.headers.authorization ?? '';
    const m = /^Bearer\s+(\S+)$/i.exec(header);
    if (!m) {
      reply.header('WWW-Authenticate', 'Bearer realm="fleetpack"');
      throw apiError(
        'UNAUTHORIZED',
        'This call needs a token (Authorization: Bearer …)',
        'Sign in with `fleetpack login URL`, or create a token with `fleetpack platform token create NAME`.',
      );
    }
    const actor = await platform.authenticate(m[1]!);
    if (!actor) {
      failures.fail(req.ip);
      reply.header('WWW-Authenticate', 'Bearer realm="fleetpack", error="invalid_token"');
      throw apiError(
        'UNAUTHORIZED',
        'The token is not valid (unknown, revoked or mistyped)',
        'Create a new token with `fleetpack platform token create NAME`.',
      );
    }
    if (!(roles as readonly string[]).includes(actor.role)) {
      throw apiError(
        'FORBIDDEN',
        `A ${actor.role} token cannot do this (needs ${roles.join(' or ')})`,
        'Use a token with the right role.',
      );
    }
    req.actor = actor;
  };
}

export const PUBLISHERS = ['admin', 'publisher'] as const;
export const ADMINS = ['admin'] as const;
