/**
 * Request checks for the loopback host: DNS-rebinding (Host), cross-site requests (Origin,
 * Sec-Fetch-Site) and the per-run token. Pure functions so the rules are easy to test and read.
 */
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export interface Refusal {
  status: 401 | 403;
  message: string;
}

/** Host names this server answers to: only the loopback address it listens on, by IP or name. */
export function allowedHosts(port: number): Set<string> {
  return new Set([`127.0.0.1:${port}`, `localhost:${port}`]);
}

export function checkHost(req: IncomingMessage, port: number): Refusal | undefined {
  const host = (req.headers.host ?? '').toLowerCase();
  if (!allowedHosts(port).has(host)) return { status: 403, message: 'Unexpected Host header' };
  return undefined;
}

/** A browser sends Origin on cross-origin requests and on POSTs; it must be our own origin. */
export function checkOrigin(req: IncomingMessage, port: number): Refusal | undefined {
  const origin = req.headers.origin;
  if (origin !== undefined) {
    let host: string;
    try {
      const u = new URL(origin);
      if (u.protocol !== 'http:') return { status: 403, message: 'Foreign Origin' };
      host = u.host;
    } catch {
      return { status: 403, message: 'Foreign Origin' };
    }
    if (!allowedHosts(port).has(host.toLowerCase())) return { status: 403, message: 'Foreign Origin' };
  }
  const site = req.headers['sec-fetch-site'];
  if (site === 'cross-site' || site === 'same-site') return { status: 403, message: 'Cross-site request' };
  return undefined;
}

/** The token from `Authorization: Bearer …` or `?token=…`: 401 when absent, 403 when wrong. */
export function checkToken(req: IncomingMessage, url: URL, token: string): Refusal | undefined {
  const auth = req.headers.authorization;
  const given = auth?.startsWith('Bearer ') ? auth.slice(7).trim() : url.searchParams.get('token');
  if (given === null || given === '') return { status: 401, message: 'Missing token' };
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  if (a.length !== b.length || !timingSafeEqual(a, b)) return { status: 403, message: 'Wrong token' };
  return undefined;
}

/** Headers on every response. The CSP matches the renderer's meta tag; no CORS headers, ever. */
export const SECURITY_HEADERS: Record<string, string> = {
  'Content-Security-Policy':
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; " +
    "font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Permissions-Policy': 'camera=(), microphone=(), geolocation=()',
};
