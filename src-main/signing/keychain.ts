/**
 * The one wrapper around the OS keychain (keytar: Secret Service on Linux, Keychain on macOS,
 * Credential Vault on Windows). Loads the native module lazily, bounds every call with a timeout
 * and turns every failure into KeystoreError KEYCHAIN_UNAVAILABLE with a how-to-fix hint. Signing
 * keys (keystore.ts) and registry credentials (oci/) both store their secrets through it, each under
 * its own service name. There is no file fallback.
 */
import { KeystoreError, messageOf } from '../errors.js';

export type Keytar = typeof import('keytar');

export const UNAVAILABLE_HINT =
  'Fleetpack keeps signing keys and registry credentials only in the OS keychain. On Linux start and unlock a Secret Service ' +
  '(e.g. install gnome-keyring and log in to a desktop session, or run `gnome-keyring-daemon --unlock` ' +
  'in your D-Bus session); in CI or a container run the command inside `dbus-run-session` with an unlocked ' +
  'gnome-keyring (see test/tools/with-services.sh).';

export interface KeychainOptions {
  /** A keychain call that has not answered after this long (e.g. a hidden unlock prompt) fails. */
  timeoutMs?: number;
}

export class Keychain {
  private readonly timeoutMs: number;
  private keytarPromise: Promise<Keytar> | undefined;

  constructor(
    readonly service: string,
    opts: KeychainOptions = {},
  ) {
    // Long enough for a person to answer a desktop unlock prompt.
    this.timeoutMs = opts.timeoutMs ?? 120_000;
  }

  /** The secret stored for `account`, or null. `where` names it in errors (never the secret). */
  async get(account: string, where?: string): Promise<string | null> {
    const kt = await this.keytar();
    return this.call('read the keychain entry', () => kt.getPassword(this.service, account), where);
  }

  async set(account: string, secret: string, where?: string): Promise<void> {
    const kt = await this.keytar();
    await this.call('store the keychain entry', () => kt.setPassword(this.service, account, secret), where);
  }

  /** True when an entry was removed. */
  async delete(account: string, where?: string): Promise<boolean> {
    const kt = await this.keytar();
    return this.call('delete the keychain entry', () => kt.deletePassword(this.service, account), where);
  }

  /** Every entry of this service. */
  async entries(): Promise<{ account: string; password: string }[]> {
    const kt = await this.keytar();
    return this.call('list keychain entries', () => kt.findCredentials(this.service));
  }

  keytar(): Promise<Keytar> {
    // Loaded lazily: the native module is only needed for keychain operations.
    this.keytarPromise ??= import('keytar').then(
      (m) => (m as { default?: Keytar }).default ?? m,
      (e: unknown) => {
        this.keytarPromise = undefined;
        throw new KeystoreError(
          'KEYCHAIN_UNAVAILABLE',
          `The OS keychain module could not be loaded (${messageOf(e)})`,
          {
            hint: "Reinstall dependencies (`npm ci`) so keytar's native module is built for this Node/Electron; on Linux it needs libsecret-1-0.",
            cause: e,
          },
        );
      },
    );
    return this.keytarPromise;
  }

  /** Runs a keychain call with a timeout, turning every failure into KEYCHAIN_UNAVAILABLE. */
  async call<T>(what: string, fn: () => Promise<T>, where?: string): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new KeystoreError(
              'KEYCHAIN_UNAVAILABLE',
              `The OS keychain did not answer within ${Math.round(this.timeoutMs / 1000)} s (trying to ${what})`,
              {
                ...(where === undefined ? {} : { where }),
                hint: `The keyring may be locked and waiting for a password prompt. ${UNAVAILABLE_HINT}`,
              },
            ),
          ),
        this.timeoutMs,
      );
      timer.unref();
    });
    try {
      return await Promise.race([fn(), timeout]);
    } catch (e) {
      if (e instanceof KeystoreError) throw e;
      // keytar's messages come from libsecret/D-Bus and hold no secret material.
      throw new KeystoreError(
        'KEYCHAIN_UNAVAILABLE',
        `The OS keychain is not available (could not ${what}: ${messageOf(e)})`,
        { ...(where === undefined ? {} : { where }), hint: UNAVAILABLE_HINT, cause: e },
      );
    } finally {
      clearTimeout(timer);
    }
  }
}
