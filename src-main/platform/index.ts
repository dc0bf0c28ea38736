/**
 * The platform's publish side: releases, channels, the TUF repository (succinct hash bins, offline
 * root/targets keys, online snapshot/timestamp/bins keys), SBOM coverage, tokens and the audit log,
 * stored behind one Kysely schema on SQLite or PostgreSQL. The public surface for server/ and cli/.
 */
export { Platform, type PlatformOptions } from './service.js';
export {
  openStore,
  parseDatabaseTarget,
  redactUrl,
  type DatabaseTarget,
  type Dialect,
  type Store,
} from './store/database.js';
export {
  initPlatform,
  rotateKey,
  addPublisherKey,
  addRegistry,
  ROTATABLE_ROLES,
  type AdminContext,
  type InitOptions,
  type InitResult,
  type RotateResult,
  type RegistryAccess,
} from './admin.js';
export { type Actor, type AuditEntry, type AuditQuery } from './audit.js';
export { createToken, revokeToken, listTokens, TOKEN_ROLES, type TokenRole, type CreatedToken } from './tokens.js';
export { PASSPHRASE_ENV, PLATFORM_KEYCHAIN_SERVICE, platformKeychain } from './secrets.js';
export { PublishError, type Problem, type PublishStep } from './problems.js';
export {
  isSafePath,
  type IncomingFile,
  type Release,
  type ReleaseFile,
  type PublishResult,
  type SbomVerdict,
  type SignatureStatus,
} from './releases.js';
export { type ChannelChange, type ChannelPointer, type ChannelEvent } from './channels.js';
export { type CoverageReport, type CoverageGroup, type CoverageEntry } from './coverage.js';
export { RangeMismatch, DIGEST_RE, type UploadLimits } from './uploads.js';
export { DEFAULT_LIFETIMES, type Lifetimes } from './tuf/repository.js';
export { requireSettings, type PlatformSettings } from './settings.js';
export {
  checkDeviceId,
  DEVICE_ID_RE,
  MAX_FACTS_BYTES,
  type DeviceInfo,
  type DeviceInput,
  type DeviceQuery,
  type InstalledModels,
} from './devices.js';
export {
  DEVICE_STATES,
  ROLLOUT_ACTIONS,
  ROLLOUT_STATES,
  declineReasons,
  parsePercent,
  parseSelector,
  type Assignment,
  type DeviceUpdateState,
  type DirectorAnswer,
  type RolloutDeviceStatus,
  type RolloutPhase,
  type RolloutRequest,
  type RolloutState,
  type RolloutStatus,
  type StatusReport,
} from './rollouts.js';
export {
  PlatformClient,
  type ClientOptions,
  type PublishDirOptions,
  type UploadProgress,
  type UploadSessionMemo,
  type UploadPlanFile,
} from './client.js';
export { PlatformLogins, loginAccount, platformOrigin } from './logins.js';
