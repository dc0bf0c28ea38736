/**
 * Sign-ins to platforms: one token per platform origin, kept only in the OS keychain (service
 * `fleetpack-platform`, account `login:<origin>`), shared by `fleetpack login` and the Studio. The
 * saved platforms are the keychain's login entries: no file lists them and nothing returns a token
 * to a caller that did not ask for one by origin.
 */
import type { Keychain } from '../signing/index.js';
import { PlatformClient } from './client.js';
import { platformKeychain } from './secrets.js';

const PREFIX = 'login:';

/** The keychain account of a platform's token. */
export const loginAccount = (origin: string): string => `${PREFIX}${origin}`;

/** `http(s)://host[:port]` of a platform URL (typed error for a bad one). */
export const platformOrigin = (url: string): string => new PlatformClient(url, undefined).base;

export class PlatformLogins {
  constructor(private readonly keychain: () => Keychain = platformKeychain) {}

  /** Origins with a stored token, sorted. */
  async list(): Promise<string[]> {
    const entries = await this.keychain().entries();
    return entries
      .map((e) => e.account)
      .filter((a) => a.startsWith(PREFIX))
      .map((a) => a.slice(PREFIX.length))
      .sort();
  }

  token(origin: string): Promise<string | null> {
    return this.keychain().get(loginAccount(origin), `login for ${origin}`);
  }

  /** Checks the token against the platform first (a typo fails here), then stores it. */
  async signIn(url: string, token: string): Promise<{ origin: string; name: string; role: string }> {
    const c = new PlatformClient(url, token);
    const who = await c.login();
    await this.keychain().set(loginAccount(c.base), token, `login for ${c.base}`);
    return { origin: c.base, ...who };
  }

  signOut(origin: string): Promise<boolean> {
    return this.keychain().delete(loginAccount(origin), `login for ${origin}`);
  }
}
