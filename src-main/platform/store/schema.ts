/**
 * The platform's tables, as Kysely sees them. One schema for SQLite and PostgreSQL: text primary
 * keys (ids, digests, names), integers (sizes are BIGINT, read back as numbers), ISO 8601 UTC
 * timestamps as text (they sort), JSON documents as text.
 */
export interface PlatformMetaTable {
  key: string;
  value: string;
}

export interface TokenTable {
  id: string;
  name: string;
  role: string;
  /** SHA-256 (hex) of the token's secret part; the secret itself is never stored. */
  secret_hash: string;
  created_at: string;
  created_by: string;
  revoked_at: string | null;
}

export interface PublisherKeyTable {
  /** OMS key id: SHA-256 hex of the SPKI PEM. */
  key_id: string;
  publisher: string;
  public_key_pem: string;
  added_at: string;
  added_by: string;
}

export interface RegistryTable {
  host: string;
  /** Encrypted `{username?, password?, token?}` (see platform/secrets). Never returned by the API. */
  credential_enc: string;
  added_at: string;
  added_by: string;
}

export interface OnlineKeyTable {
  /** snapshot | timestamp | bins */
  role: string;
  key_id: string;
  /** The TUF public key JSON. */
  public_json: string;
  /** Encrypted PKCS#8 private key. */
  private_enc: string;
  created_at: string;
}

export interface ReleaseTable {
  id: string;
  name: string;
  version: string;
  /** Monotonic per model name: the release counter devices refuse to go below. */
  counter: number;
  manifest_digest: string;
  framework: string;
  /** JSON array of hardware profile ids. */
  profiles: string;
  /** upload | registry */
  source: string;
  /** Registry repository and pinned manifest digest when published by reference. */
  oci_repository: string | null;
  oci_digest: string | null;
  /** Digest of the whole release (sorted path/digest list): equal content ⇔ equal digest. */
  content_digest: string;
  publisher: string;
  /** verified | unsigned | unverified (signed by a key the platform does not know) */
  signature_status: string;
  signer_key_id: string | null;
  /** JSON: the SBOM coverage verdict for this release (counted, compliant, reasons, ntia). */
  sbom: string;
  published_at: string;
}

export interface ReleaseFileTable {
  release_id: string;
  path: string;
  digest: string;
  size: number;
  /** manifest | model | external-data | companion | sbom | signature */
  role: string;
}

export interface ChannelTable {
  model: string;
  channel: string;
  release_id: string;
  updated_at: string;
  updated_by: string;
}

export interface ChannelEventTable {
  id: string;
  model: string;
  channel: string;
  from_release: string | null;
  to_release: string;
  actor: string;
  at: string;
}

export interface TufTargetTable {
  path: string;
  bin: string;
  release_id: string | null;
  length: number;
  sha256: string;
  /** Canonical JSON of the target's `custom` object. */
  custom: string;
}

export interface TufRoleTable {
  /** root | targets | snapshot | timestamp | bins-XX */
  role: string;
  version: number;
  expires: string;
  length: number;
  sha256: string;
}

export interface TufFileTable {
  /** `V.role.json` (every role, timestamp included: served as timestamp.json when current). */
  name: string;
  role: string;
  version: number;
  body: string;
  created_at: string;
}

export interface AuditTable {
  id: string;
  at: string;
  actor: string;
  action: string;
  subject: string;
  /** JSON object with what changed. */
  detail: string;
}

export interface DeviceTable {
  id: string;
  /** The device's own token (role device), or null for devices only known from an inventory import. */
  token_id: string | null;
  channel: string | null;
  profile: string | null;
  /** JSON array of labels. */
  labels: string;
  /** JSON DeviceFacts, the profile's facts merged under the stated ones (what fleet/ rules read). */
  facts: string;
  /** fleet/'s factsKey of `facts`: devices with equal keys get equal verdicts. */
  facts_key: string;
  /** import | admin | enrolment | agent: who last set the facts. */
  source: string;
  /** JSON {model: {version, counter, digest}} as the agent last reported it, or null. */
  installed: string | null;
  registered_at: string;
  last_seen_at: string | null;
}

export interface RolloutTable {
  id: string;
  model: string;
  version: string;
  release_id: string;
  channel: string;
  /** The --devices selector as given ('' = every device on the channel). */
  selector: string;
  allow_warnings: number;
  /** JSON array of cumulative percentages, e.g. [1, 10, 100]. */
  phases: string;
  /** Halt when failed devices exceed this percentage of the devices started so far. */
  max_failures: number;
  /** Start the next phase when this percentage of the current phase's devices is healthy. */
  advance_at: number;
  /** Failures an operator accepted by resuming a halted rollout: the halt threshold counts only later ones. */
  failures_acknowledged: number;
  /** active | paused | halted | aborted | completed */
  state: string;
  /** Index of the phase that has started (devices of phases ≤ it are assigned). */
  phase: number;
  /** JSON: the compatibility preview (same shape as `fleetpack compat --json`). */
  report: string;
  /** Why the rollout halted (or was aborted), when it did. */
  state_reason: string | null;
  created_at: string;
  created_by: string;
  updated_at: string;
}

export interface RolloutDeviceTable {
  rollout_id: string;
  device_id: string;
  /** Phase index, or -1 for a declined device. */
  phase: number;
  /** declined | pending | downloading | installing | installed | healthy | rolled-back | failed */
  state: string;
  /** JSON: the decline reasons, or the agent's rollback / failure reason. */
  reason: string | null;
  updated_at: string;
}

export interface Database {
  platform_meta: PlatformMetaTable;
  tokens: TokenTable;
  publisher_keys: PublisherKeyTable;
  registries: RegistryTable;
  online_keys: OnlineKeyTable;
  releases: ReleaseTable;
  release_files: ReleaseFileTable;
  channels: ChannelTable;
  channel_events: ChannelEventTable;
  tuf_targets: TufTargetTable;
  tuf_roles: TufRoleTable;
  tuf_files: TufFileTable;
  audit: AuditTable;
  devices: DeviceTable;
  rollouts: RolloutTable;
  rollout_devices: RolloutDeviceTable;
}
