/**
 * Encryption at rest for what the server must hold but never store in the clear: the online TUF
 * keys and registry credentials. AES-256-GCM under a key derived with scrypt from the platform
 * passphrase (from FLEETPACK_PLATFORM_PASSPHRASE, or the OS keychain of the machine that ran
 * `platform init`); the purpose of each sealed value is bound in as associated data, so a sealed
 * snapshot key cannot be passed off as the timestamp key. The derived key lives only in memory.
 */
import { createCipheriv, createDecipheriv, randomBytes, scryptSync } from 'node:crypto';
import { PlatformError } from '../errors.js';
import { Keychain } from '../signing/index.js';

export const PASSPHRASE_ENV = 'FLEETPACK_PLATFORM_PASSPHRASE';

/** scrypt cost: ~60 ms once per process; memory 32 MiB. */
const SCRYPT = { N: 1 << 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 };

export class SecretBox {
  private constructor(private readonly key: Buffer) {}

  static fromPassphrase(passphrase: string, salt: string): SecretBox {
    if (passphrase.length < 12) {
      throw new PlatformError('PASSPHRASE_WEAK', 'The platform passphrase is shorter than 12 characters', {
        hint: `Set ${PASSPHRASE_ENV} to a long random value (e.g. \`openssl rand -base64 32\`).`,
      });
    }
    return new SecretBox(scryptSync(passphrase, Buffer.from(salt, 'base64'), 32, SCRYPT));
  }

  seal(plain: Buffer | string, purpose: string): string {
    const iv = randomBytes(12);
    const c = createCipheriv('aes-256-gcm', this.key, iv);
    c.setAAD(Buffer.from(purpose));
    const ct = Buffer.concat([c.update(plain), c.final()]);
    return ['v1', iv.toString('base64'), c.getAuthTag().toString('base64'), ct.toString('base64')].join('.');
  }

  open(sealed: string, purpose: string): Buffer {
    const [v, iv, tag, ct] = sealed.split('.');
    try {
      if (v !== 'v1' || !iv || !tag || ct === undefined) throw new Error('format');
      const d = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64'));
      d.setAAD(Buffer.from(purpose));
      d.setAuthTag(Buffer.from(tag, 'base64'));
      return Buffer.concat([d.update(Buffer.from(ct, 'base64')), d.final()]);
    } catch {
      throw new PlatformError('PASSPHRASE_WRONG', `Cannot decrypt the platform's ${purpose}: wrong passphrase?`, {
        hint: `Use the passphrase the platform was initialized with (${PASSPHRASE_ENV}, or the keychain of the machine that ran \`platform init\`).`,
      });
    }
  }
}

export function newSalt(): string {
  return randomBytes(16).toString('base64');
}

/** The keychain service holding platform secrets (passphrases; CLI login tokens). */
export const PLATFORM_KEYCHAIN_SERVICE = 'fleetpack-platform';

export function platformKeychain(): Keychain {
  return new Keychain(PLATFORM_KEYCHAIN_SERVICE);
}

/** Keychain account of a platform's passphrase. */
export function passphraseSecretName(platformId: string): string {
  return `passphrase:${platformId}`;
}

/** The passphrase from the environment, else from the keychain; a typed error when neither has it. */
export async function resolvePassphrase(
  env: NodeJS.ProcessEnv,
  platformId: string,
  keychain: () => Keychain,
): Promise<string> {
  const fromEnv = env[PASSPHRASE_ENV];
  if (fromEnv) return fromEnv;
  const name = passphraseSecretName(platformId);
  const stored = await keychain()
    .get(name, `platform passphrase ${platformId}`)
    .catch((e: unknown) => {
      throw new PlatformError(
        'PASSPHRASE_MISSING',
        `No platform passphrase: ${PASSPHRASE_ENV} is not set and the keychain cannot be read`,
        {
          hint: `Set ${PASSPHRASE_ENV}, or run on the machine whose keychain holds it (the one that ran \`platform init\`).`,
          cause: e,
        },
      );
    });
  if (stored) return stored;
  throw new PlatformError(
    'PASSPHRASE_MISSING',
    `No platform passphrase: ${PASSPHRASE_ENV} is not set and the keychain has none`,
    {
      hint: `Set ${PASSPHRASE_ENV} to the passphrase given at \`platform init\`.`,
    },
  );
}
