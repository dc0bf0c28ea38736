/**
 * Typed errors shared by every domain folder. Each carries a stable `code`, a message that says
 * what is wrong, `where` it is (file, byte offset, JSON pointer) and a `hint` saying what to do.
 * Adapters (CLI, Studio) render these; they never show a stack trace for a FleetpackError.
 */
export interface ErrorDetails {
  /** Where the problem is: a file path, `file@offset`, a JSON pointer, a key name. */
  where?: string;
  /** What the user can do about it. */
  hint?: string;
  /** Underlying error, kept for debugging; never rendered to users. */
  cause?: unknown;
}

export class FleetpackError extends Error {
  readonly code: string;
  readonly where: string | undefined;
  readonly hint: string | undefined;

  constructor(code: string, message: string, details: ErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = new.target.name;
    this.code = code;
    this.where = details.where;
    this.hint = details.hint;
  }

  /** Plain data for `--json` output and the Studio bridge. */
  toJSON(): { name: string; code: string; message: string; where?: string; hint?: string } {
    return {
      name: this.name,
      code: this.code,
      message: this.message,
      ...(this.where === undefined ? {} : { where: this.where }),
      ...(this.hint === undefined ? {} : { hint: this.hint }),
    };
  }
}

/** A model file that cannot be read as a supported format. */
export class FormatError extends FleetpackError {
  readonly offset: number | undefined;
  readonly file: string | undefined;
  constructor(code: string, message: string, details: ErrorDetails & { offset?: number; file?: string } = {}) {
    const where = details.where ?? formatWhere(details.file, details.offset);
    super(code, message, { ...details, ...(where === undefined ? {} : { where }) });
    this.offset = details.offset;
    this.file = details.file;
  }
}

/**
 * A text document that does not parse: not UTF-8, malformed JSON, a key twice, nested too deeply.
 * Neutral: raised for manifests, SBOMs, OCI documents and metrics files alike (codes NOT_UTF8,
 * MALFORMED_JSON, DUPLICATE_KEY, JSON_TOO_DEEP).
 */
export class DocumentError extends FleetpackError {}
export class ManifestError extends FleetpackError {}
export class SignatureError extends FleetpackError {}
export class KeystoreError extends FleetpackError {}
export class SbomError extends FleetpackError {}
export class FleetError extends FleetpackError {}
export class PackageError extends FleetpackError {}
/** A file that could not be hashed (FILE_UNREADABLE) or a hashing worker that failed (HASH_FAILED). */
export class HashError extends FleetpackError {}
/** OCI content: references, registries, image layouts, digests, ModelPack artifacts. */
export class OciError extends FleetpackError {}
/** The platform (publish service): storage, TUF repository, releases, channels, tokens. */
export class PlatformError extends FleetpackError {}
/** The device agent: TUF refresh, download, install, health check, rollback. */
export class AgentError extends FleetpackError {}
/** Wrong command-line usage or an unusable input path. */
export class UsageError extends FleetpackError {}
/** The operation was cancelled by the caller (AbortSignal). */
export class CancelledError extends FleetpackError {
  constructor(message = 'Operation cancelled') {
    super('CANCELLED', message);
  }
}

function formatWhere(file: string | undefined, offset: number | undefined): string | undefined {
  if (file === undefined && offset === undefined) return undefined;
  if (offset === undefined) return file;
  return `${file ?? ''}${file ? ' ' : ''}at byte ${offset}`;
}

/** The message of anything thrown: an Error's message, else its string form. */
export function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** An OS error's code (ENOENT, EACCES, …), if the thrown value carries one. */
export function errnoOf(e: unknown): string | undefined {
  const code = e instanceof Error ? (e as NodeJS.ErrnoException).code : undefined;
  return typeof code === 'string' ? code : undefined;
}

/** The short reason a file operation failed, shown in brackets: the OS code, else the message. */
export function ioReason(e: unknown): string {
  return errnoOf(e) ?? messageOf(e);
}

export function isFleetpackError(e: unknown): e is FleetpackError {
  return e instanceof FleetpackError;
}

/** Throws CancelledError when the signal has fired. Call between units of work. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new CancelledError();
}
