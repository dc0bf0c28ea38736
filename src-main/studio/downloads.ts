/**
 * "Download as .tar" in the browser host: the package that passed the save gate is frozen into a
 * snapshot folder of the session and handed out once, by ticket, as a tar stream (oci's writer)
 * whose top folder is the package folder (`name-version/`), so unpacking it gives a package that
 * `fleetpack verify` accepts. The session decides whether a package may leave; this only packs it.
 */
import { randomBytes } from 'node:crypto';
import { copyFile, link, mkdir, rm, stat } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { SIGNATURE_FILE } from '../manifest/index.js';
import { tarSize, tarStream, type TarEntry } from '../oci/index.js';
import { listPackageFiles } from '../package/index.js';
import type { PackageDownload } from './contract.js';
import { badRequest } from './errors.js';
import { safeName } from './files.js';

/** A ticket not used for this long is dropped with its snapshot. */
const TICKET_MS = 10 * 60_000;
/** Files from this size on are hard-linked into the snapshot (the artifact, never rewritten in place). */
const LINK_FROM = 1024 * 1024;

interface Prepared {
  fileName: string;
  dir: string;
  entries: TarEntry[];
  bytes: number;
  expires: number;
}

export interface TakenDownload {
  fileName: string;
  bytes: number;
  body: AsyncGenerator<Buffer, void, undefined>;
  /** Removes the snapshot (after the body was sent, or abandoned). */
  done(): Promise<void>;
}

export class PackageDownloads {
  private readonly tickets = new Map<string, Prepared>();

  constructor(private readonly root: string) {}

  /** Freezes the staged package `stageDir` (without model.sig when asked) and answers its ticket. */
  async prepare(
    stageDir: string,
    folderName: string,
    opts: { withoutSignature: boolean; notes: string[] },
  ): Promise<PackageDownload> {
    await this.expire();
    const ticket = randomBytes(18).toString('base64url');
    const top = safeName(folderName);
    const dir = join(this.root, ticket);
    const names = await listPackageFiles(stageDir);
    if (!opts.withoutSignature && existsSync(join(stageDir, SIGNATURE_FILE))) names.push(SIGNATURE_FILE);
    const entries: TarEntry[] = [];
    try {
      for (const rel of names) {
        const from = join(stageDir, ...rel.split('/'));
        const to = join(dir, ...rel.split('/'));
        await mkdir(dirname(to), { recursive: true });
        const st = await stat(from);
        if (st.size >= LINK_FROM) await link(from, to).catch(() => copyFile(from, to));
        else await copyFile(from, to);
        entries.push({ name: `${top}/${rel}`, path: to, size: st.size, mtime: Math.floor(st.mtimeMs / 1000) });
      }
    } catch (e) {
      await rm(dir, { recursive: true, force: true });
      throw e;
    }
    const bytes = tarSize(entries);
    const fileName = `${top}.tar`;
    this.tickets.set(ticket, { fileName, dir, entries, bytes, expires: Date.now() + TICKET_MS });
    return { ticket, fileName, bytes, notes: opts.notes };
  }

  /** The tar of a prepared package, once: a ticket is used up (or unknown) afterwards. */
  take(ticket: unknown): TakenDownload {
    const p = typeof ticket === 'string' ? this.tickets.get(ticket) : undefined;
    if (!p || p.expires < Date.now())
      throw badRequest(
        'This download link was already used or has expired',
        'Choose "Download as .tar" in the Package step again.',
      );
    this.tickets.delete(ticket as string);
    return {
      fileName: p.fileName,
      bytes: p.bytes,
      body: tarStream(p.entries),
      done: () => rm(p.dir, { recursive: true, force: true }),
    };
  }

  private async expire(): Promise<void> {
    const now = Date.now();
    for (const [t, p] of this.tickets)
      if (p.expires < now) {
        this.tickets.delete(t);
        await rm(p.dir, { recursive: true, force: true });
      }
  }
}
