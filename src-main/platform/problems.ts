/**
 * A refused publish lists every problem at once, each saying which step found it (manifest, files,
 * signature, sbom, version), which file and where in it, what is wrong and what to do.
 */
import { PlatformError } from '../errors.js';

export type PublishStep = 'request' | 'files' | 'manifest' | 'signature' | 'sbom' | 'version' | 'registry' | 'channel';

export interface Problem {
  step: PublishStep;
  code: string;
  message: string;
  /** The package file it concerns. */
  file?: string;
  /** JSON pointer inside that file. */
  pointer?: string;
  hint?: string;
}

export class PublishError extends PlatformError {
  constructor(
    code: string,
    message: string,
    readonly problems: Problem[],
    hint?: string,
  ) {
    super(code, message, hint === undefined ? {} : { hint });
  }

  override toJSON() {
    return { ...super.toJSON(), problems: this.problems };
  }
}

export class ProblemList {
  readonly items: Problem[] = [];
  add(p: Problem): void {
    this.items.push(p);
  }
  get empty(): boolean {
    return this.items.length === 0;
  }
  /** Throws a PublishError naming the failing steps when there is any problem. */
  throwIfAny(name: string): void {
    if (!this.empty) this.refuse(name);
  }

  /** Throws the PublishError for the problems found (call when there is at least one). */
  refuse(name: string): never {
    const steps = [...new Set(this.items.map((p) => p.step))];
    throw new PublishError(
      'PUBLISH_REFUSED',
      `Publish of ${name} refused: ${this.items.length} problem(s) in ${steps.join(', ')} (nothing was published)`,
      this.items,
      'Fix each problem listed (file, pointer, hint) and publish again.',
    );
  }
}
