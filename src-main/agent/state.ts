/**
 * The agent's state file: what is installed (current, previous), an update in progress
 * (`pending`, with the number of attempts — persisted before `current` switches, so a crash or
 * power loss mid-update is seen at the next start), releases refused for good (never retried), and
 * status reports not yet delivered. Written durably (temp, fsync, rename, fsync of the folder).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileDurable } from './tuf.js';

export interface Installed {
  model: string;
  version: string;
  releaseCounter: number;
  /** sha256 (hex) of the model file's target. */
  digest: string;
  slot: string;
  rolloutId: string;
}

export interface Pending {
  install: Installed;
  /** What ran before (switched back to on failure). */
  previous?: Installed | undefined;
  attempts: number;
  since: string;
}

export interface StatusMessage {
  rolloutId: string;
  state: string;
  reason?: string;
}

export interface AgentState {
  current?: Installed | undefined;
  previous?: Installed | undefined;
  pending?: Pending;
  /** `model@version` → why it was refused or rolled back: never tried again. */
  refused: Record<string, { reason: string; digest?: string; at: string }>;
  /** Status reports waiting for the platform (sent in order, with backoff). */
  outbox: StatusMessage[];
}

export const STATE_FILE = 'state.json';
/** Reports kept while the platform is unreachable (oldest dropped first). */
const MAX_OUTBOX = 200;

export function loadState(dataDir: string): AgentState {
  let text: string;
  try {
    text = readFileSync(join(dataDir, STATE_FILE), 'utf8');
  } catch {
    return { refused: {}, outbox: [] };
  }
  // Written atomically, so a parse failure means someone edited it: start over rather than guess.
  try {
    const s = JSON.parse(text) as Partial<AgentState>;
    return { ...s, refused: s.refused ?? {}, outbox: s.outbox ?? [] };
  } catch {
    return { refused: {}, outbox: [] };
  }
}

export function saveState(dataDir: string, s: AgentState): void {
  if (s.outbox.length > MAX_OUTBOX) s.outbox.splice(0, s.outbox.length - MAX_OUTBOX);
  writeFileDurable(join(dataDir, STATE_FILE), JSON.stringify(s, null, 2));
}

export const releaseKey = (model: string, version: string) => `${model}@${version}`;
