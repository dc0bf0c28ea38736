/**
 * Signing keys in the OS keychain (keytar: Secret Service on Linux, Keychain on macOS, Credential
 * Vault on Windows), service `fleetpack`, one entry per key name. The secret is a small JSON
 * document holding the PKCS#8 PEM plus metadata (curve, created, key id, public PEM), so `list`
 * needs no second store. Private material never leaves this module except inside a Signer
 * closure; there is no file fallback when the keychain is unavailable.
 */
import { KeystoreError } from '../errors.js';
import {
  type Curve,
  CURVES,
  generateKey,
  isCurve,
  parsePrivateKeyPem,
  type Signer,
  signerFromPrivateKeyPem,
} from './keys.js';
import { Keychain, type Keytar } from './keychain.js';

export const KEYCHAIN_SERVICE = 'fleetpack';

/** Public facts about a stored key. */
export interface StoredKey {
  name: string;
  keyId: string;
  curve: Curve;
  /** ISO 8601 time the key was created or imported. */
  created: string;
  publicKeyPem: string;
}

interface StoredSecret extends StoredKey {
  v: 1;
  privateKeyPem: string;
}

const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** True for a usable key name: letters, digits, '.', '_', '-', up to 64, starting with a letter or digit. */
export function isKeyName(name: unknown): name is string {
  return typeof name === 'string' && NAME_RE.test(name);
}

export interface KeystoreOptions {
  /** Keychain service name; `fleetpack` unless a test isolates itself. */
  service?: string;
  /** A keychain call that has not answered after this long (e.g. a hidden unlock prompt) fails. */
  timeoutMs?: number;
}

export class Keystore {
  readonly service: string;
  private readonly keychain: Keychain;

  constructor(opts: KeystoreOptions = {}) {
    this.service = opts.service ?? KEYCHAIN_SERVICE;
    this.keychain = new Keychain(this.service, opts.timeoutMs === undefined ? {} : { timeoutMs: opts.timeoutMs });
  }

  /** Creates a new key (P-256 unless another curve is asked for) and stores it. */
  async create(name: string, opts: { curve?: Curve } = {}): Promise<StoredKey> {
    checkName(name);
    const curve = opts.curve ?? 'P-256';
    if (!isCurve(curve)) {
      throw new KeystoreError('KEY_UNSUPPORTED', `Unsupported curve "${String(curve)}"`, {
        where: name,
        hint: `Use one of ${CURVES.join(', ')}.`,
      });
    }
    await this.assertAbsent(name);
    const k = generateKey(curve);
    return this.store({
      name,
      keyId: k.keyId,
      curve: k.curve,
      created: new Date().toISOString(),
      publicKeyPem: k.publicKeyPem,
      privateKeyPem: k.privateKeyPem,
    });
  }

  /** Imports a PEM EC private key (P-256/384/521; PKCS#8 or SEC1; optionally encrypted with a passphrase). */
  async import(name: string, pem: string, opts: { passphrase?: string; where?: string } = {}): Promise<StoredKey> {
    checkName(name);
    const parsed = parsePrivateKeyPem(
      pem,
      opts.where ?? 'imported key',
      opts.passphrase === undefined ? {} : { passphrase: opts.passphrase },
    );
    await this.assertAbsent(name);
    return this.store({
      name,
      keyId: parsed.keyId,
      curve: parsed.curve,
      created: new Date().toISOString(),
      publicKeyPem: parsed.publicKeyPem,
      privateKeyPem: parsed.privateKeyPem,
    });
  }

  /** Every stored key, by name; public facts only. */
  async list(): Promise<StoredKey[]> {
    const kt = await this.keytar();
    const creds = await this.call('list keys', () => kt.findCredentials(this.service));
    const keys: StoredKey[] = [];
    for (const c of creds) {
      const s = decodeSecret(c.account, c.password);
      if (s) keys.push(publicInfo(s));
    }
    return keys.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** Public facts about one key; KEY_NOT_FOUND if there is none. */
  async get(name: string): Promise<StoredKey> {
    return publicInfo(await this.load(name));
  }

  /** The public key as SPKI PEM (what verifiers need). */
  async exportPublicKey(name: string): Promise<string> {
    return (await this.load(name)).publicKeyPem;
  }

  /** Removes a key. KEY_NOT_FOUND if there is none. */
  async delete(name: string): Promise<void> {
    checkName(name);
    const kt = await this.keytar();
    const removed = await this.call('delete the key', () => kt.deletePassword(this.service, name), name);
    if (!removed) throw notFound(name);
  }

  /** A Signer for the key; the private key stays inside it. */
  async signer(name: string): Promise<Signer> {
    const s = await this.load(name);
    return signerFromPrivateKeyPem(s.privateKeyPem, `keychain key "${name}"`);
  }

  private async load(name: string): Promise<StoredSecret> {
    checkName(name);
    const kt = await this.keytar();
    const secret = await this.call('read the key', () => kt.getPassword(this.service, name), name);
    if (secret === null) throw notFound(name);
    const s = decodeSecret(name, secret);
    if (!s) {
      throw new KeystoreError('KEY_CORRUPT', `The keychain entry "${name}" is not a Fleetpack signing key`, {
        where: `keychain service "${this.service}"`,
        hint: `Delete it (fleetpack key delete ${name}) and create or import the key again.`,
      });
    }
    return s;
  }

  private async assertAbsent(name: string): Promise<void> {
    const kt = await this.keytar();
    const existing = await this.call('look up the key', () => kt.getPassword(this.service, name), name);
    if (existing !== null) {
      throw new KeystoreError('KEY_EXISTS', `A key named "${name}" already exists`, {
        where: `keychain service "${this.service}"`,
        hint: `Choose another name, or delete it first with \`fleetpack key delete ${name}\`.`,
      });
    }
  }

  private async store(s: Omit<StoredSecret, 'v'>): Promise<StoredKey> {
    const kt = await this.keytar();
    const secret: StoredSecret = { v: 1, ...s };
    await this.call('store the key', () => kt.setPassword(this.service, s.name, JSON.stringify(secret)), s.name);
    return publicInfo(secret);
  }

  private keytar(): Promise<Keytar> {
    return this.keychain.keytar();
  }

  private call<T>(what: string, fn: () => Promise<T>, name?: string): Promise<T> {
    return this.keychain.call(what, fn, name === undefined ? undefined : `key "${name}"`);
  }
}

function checkName(name: unknown): asserts name is string {
  if (!isKeyName(name)) {
    throw new KeystoreError('KEY_NAME_INVALID', `Invalid key name "${String(name).slice(0, 80)}"`, {
      hint: 'Use 1-64 characters: letters, digits, ".", "_" or "-", starting with a letter or digit.',
    });
  }
}

function notFound(name: string): KeystoreError {
  return new KeystoreError('KEY_NOT_FOUND', `No signing key named "${name}" in the OS keychain`, {
    where: `keychain service "${KEYCHAIN_SERVICE}"`,
    hint: 'List keys with `fleetpack key list`; create one with `fleetpack key create NAME` or import a PEM with `fleetpack key import NAME FILE`.',
  });
}

function publicInfo(s: StoredSecret): StoredKey {
  return { name: s.name, keyId: s.keyId, curve: s.curve, created: s.created, publicKeyPem: s.publicKeyPem };
}

/** Parses a stored secret; undefined for entries that are not ours (never throws with the secret in it). */
function decodeSecret(account: string, secret: string): StoredSecret | undefined {
  let doc: unknown;
  try {
    doc = JSON.parse(secret);
  } catch {
    return undefined;
  }
  if (typeof doc !== 'object' || doc === null) return undefined;
  const d = doc as Partial<StoredSecret>;
  if (
    d.v !== 1 ||
    typeof d.privateKeyPem !== 'string' ||
    typeof d.publicKeyPem !== 'string' ||
    typeof d.keyId !== 'string'
  )
    return undefined;
  if (typeof d.curve !== 'string' || !isCurve(d.curve) || typeof d.created !== 'string') return undefined;
  return {
    v: 1,
    name: account,
    keyId: d.keyId,
    curve: d.curve,
    created: d.created,
    publicKeyPem: d.publicKeyPem,
    privateKeyPem: d.privateKeyPem,
  };
}
