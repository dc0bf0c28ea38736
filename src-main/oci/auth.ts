/**
 * Registry authentication (distribution token spec): on a 401 read the `WWW-Authenticate`
 * challenge; for `Bearer realm,service,scope` get a token from the realm (Basic credentials, or an
 * OAuth2 refresh token POSTed as form data) for the scopes the operation needs; for `Basic` send the
 * credentials. Tokens are cached per scope set until shortly before they expire. A 401 with no
 * challenge we can answer, refused credentials and missing ones are typed errors naming the registry.
 */
import { OciError } from '../errors.js';
import { type Challenge, parseChallenges } from './challenge.js';
import type { CredentialLookup, CredentialProvider } from './credentials.js';
import { type AuthProvider, clean, discard, HttpClient, type HttpResponse, readCapped, registryError } from './http.js';
import { isLoopbackHost } from './reference.js';

const MAX_TOKEN_RESPONSE = 1024 * 1024;
/** Renew a token this long before it expires (and never trust one for less than this). */
const EXPIRY_MARGIN_MS = 10_000;

interface Token {
  value: string;
  expires: number;
}

export interface RegistryAuthOptions {
  registry: string;
  origin: string;
  credentials: CredentialProvider;
  /** Plain HTTP to non-loopback hosts was explicitly allowed (--insecure): the realm may be plain HTTP too. */
  insecure?: boolean;
}

export class RegistryAuth implements AuthProvider {
  private readonly scopes = new Set<string>();
  private basic: string | undefined;
  private token: Token | undefined;
  private tokenScope = '';
  private lookup: Promise<CredentialLookup> | undefined;

  constructor(private readonly opts: RegistryAuthOptions) {}

  /** Adds a scope such as `repository:acme/model:pull,push`; the next token covers it. */
  addScope(scope: string): void {
    this.scopes.add(scope);
  }

  header(): string | undefined {
    if (this.token && this.token.expires - EXPIRY_MARGIN_MS > Date.now() && this.tokenScope === this.scopeKey())
      return `Bearer ${this.token.value}`;
    return this.basic;
  }

  async challenged(res: HttpResponse, what: string, round: number): Promise<boolean> {
    const challenges = parseChallenges(res.headers.get('www-authenticate'));
    const bearer = challenges.find((c) => c.scheme === 'bearer' && c.params.realm);
    const basic = challenges.find((c) => c.scheme === 'basic');
    res.body.resume(); // a 401 body is small: drain it so the connection can be reused
    if (!bearer && !basic) {
      throw new OciError(
        'OCI_AUTH_CHALLENGE',
        `${what}: ${this.opts.registry} answered 401 without a usable WWW-Authenticate challenge` +
          (challenges.length ? ` (offered: ${challenges.map((c) => clean(c.scheme, 20)).join(', ')})` : ''),
        {
          where: this.opts.registry,
          hint: 'Fleetpack speaks Bearer token and Basic authentication. Check that REF names the registry itself (not a proxy or web UI), or ask its admin which authentication it expects.',
        },
      );
    }
    const lookup = await this.credentials();
    if (bearer) {
      if (round > 0) throw this.refused(what, lookup, bearer);
      for (const s of (bearer.params.scope ?? '').split(' ')) if (s) this.scopes.add(s);
      this.token = await this.fetchToken(bearer, lookup);
      this.tokenScope = this.scopeKey();
      return true;
    }
    if (round > 0 || !lookup.credentials?.password || lookup.credentials.username === undefined)
      throw this.refused(what, lookup, basic!);
    const { username, password } = lookup.credentials;
    this.basic = `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
    return true;
  }

  private scopeKey(): string {
    return [...this.scopes].sort().join(' ');
  }

  private credentials(): Promise<CredentialLookup> {
    this.lookup ??= this.opts.credentials(this.opts.registry);
    return this.lookup;
  }

  private refused(what: string, lookup: CredentialLookup, challenge: Challenge): OciError {
    const registry = this.opts.registry;
    if (!lookup.credentials)
      return new OciError('OCI_UNAUTHORIZED', `${what}: ${registry} requires credentials and none were found`, {
        where: registry,
        hint: `Run \`fleetpack registry login ${registry}\` (stored in the OS keychain), or \`docker login ${registry}\`.${lookup.note ? ` Note: ${lookup.note}.` : ''}`,
      });
    if (challenge.params.error === 'insufficient_scope')
      return new OciError(
        'OCI_DENIED',
        `${what}: the credentials for ${registry} do not grant ${clean(challenge.params.scope ?? 'this access', 200)}`,
        {
          where: registry,
          hint: 'Ask the registry admin for access to this repository, or use other credentials (`fleetpack registry login`).',
        },
      );
    return new OciError('OCI_UNAUTHORIZED', `${what}: ${registry} refused the credentials (${lookup.source})`, {
      where: registry,
      hint: `Check the user name and password or token, then \`fleetpack registry login ${registry}\` again.`,
    });
  }

  private realmClient(realm: URL): HttpClient {
    const loopback = isLoopbackHost(realm.host);
    if (realm.protocol !== 'https:' && !(realm.protocol === 'http:' && (loopback || this.opts.insecure))) {
      throw new OciError(
        'OCI_AUTH_CHALLENGE',
        `${this.opts.registry} sends clients to a token service over ${realm.protocol.replace(':', '')}: ${realm.origin}`,
        {
          where: this.opts.registry,
          hint: 'Fleetpack sends credentials to a token service only over HTTPS (plain HTTP only on loopback or with --insecure).',
        },
      );
    }
    return new HttpClient({ registry: `token service ${realm.host}`, origin: realm.origin });
  }

  private async fetchToken(challenge: Challenge, lookup: CredentialLookup): Promise<Token> {
    let realm: URL;
    try {
      realm = new URL(challenge.params.realm!);
    } catch {
      throw new OciError('OCI_AUTH_CHALLENGE', `${this.opts.registry} names an invalid token realm`, {
        where: this.opts.registry,
        hint: 'The registry is misconfigured; ask its admin.',
      });
    }
    const http = this.realmClient(realm);
    const scopes = [...this.scopes].sort();
    const service = challenge.params.service;
    const creds = lookup.credentials;
    let out;
    const what = `Getting a token for ${this.opts.registry}`;
    if (creds?.identityToken) {
      const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: creds.identityToken });
      form.set('client_id', 'fleetpack');
      if (service) form.set('service', service);
      if (scopes.length) form.set('scope', scopes.join(' '));
      out = await http.send({
        method: 'POST',
        url: realm.toString(),
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: Buffer.from(form.toString()),
        retry: true,
        what,
      });
    } else {
      const url = new URL(realm);
      if (service) url.searchParams.set('service', service);
      for (const s of scopes) url.searchParams.append('scope', s);
      const headers: Record<string, string> = {};
      if (creds?.password !== undefined && creds.username !== undefined)
        headers.authorization = `Basic ${Buffer.from(`${creds.username}:${creds.password}`).toString('base64')}`;
      // The realm is another origin than the registry: this client adds no registry Authorization,
      // the Basic header above is the one meant for the token service.
      out = await http.send({ method: 'GET', url: url.toString(), headers, retry: true, what });
    }
    if (out.res.status === 401 || out.res.status === 403) {
      await discard(out);
      throw this.refused(what, lookup, { scheme: 'bearer', params: {} });
    }
    if (!out.res.ok) throw await registryError(out.res, what, `token service ${realm.host}`);
    const body = await readCapped(out, MAX_TOKEN_RESPONSE, 'The token response', realm.origin);
    let doc: { token?: unknown; access_token?: unknown; expires_in?: unknown; issued_at?: unknown };
    try {
      doc = JSON.parse(body.toString('utf8')) as typeof doc;
    } catch {
      doc = {};
    }
    const value = typeof doc.token === 'string' ? doc.token : doc.access_token;
    if (typeof value !== 'string' || !value || /[\r\n]/.test(value)) {
      throw new OciError('OCI_TOKEN_FAILED', `The token service of ${this.opts.registry} answered without a token`, {
        where: realm.origin,
        hint: 'The token service is misconfigured; ask the registry admin.',
      });
    }
    const seconds = typeof doc.expires_in === 'number' && doc.expires_in >= 60 ? doc.expires_in : 60;
    return { value, expires: Date.now() + seconds * 1000 };
  }
}
