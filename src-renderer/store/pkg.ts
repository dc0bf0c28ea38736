import type {
  FolderListing,
  FolderRef,
  Handle,
  PackageDownload,
  PackageSummary,
  StudioError,
} from '../../src-main/studio/contract';
import { getClient } from '../api/client';
import type { Slice } from './types';

export interface PackageSlice {
  saved?: PackageSummary | undefined;
  pkgError?: StudioError | undefined;
  pkgBusy: boolean;
  /** The folder the package will be saved into: listed under the host's root, or chosen in a dialog. */
  saveDir?: FolderListing | undefined;
  /** Browser host: the allowed root (no argument) or a folder under it, with its subfolders. */
  browseFolders: (under?: Handle) => Promise<void>;
  /** Desktop app: the native folder dialog, answered with a handle. */
  chooseSaveFolder: () => Promise<void>;
  savePackage: (into: Handle, name: string, withoutSignature?: boolean) => Promise<void>;
  /** The last "Download as .tar" handed to the browser (browser host), or why it was refused. */
  downloaded?: PackageDownload | undefined;
  /** The manifest state the download was made from: another one now makes it history, not a green. */
  downloadedFrom?: unknown;
  downloadError?: StudioError | undefined;
  downloadPackage: (withoutSignature?: boolean) => Promise<void>;
}

const chosen = (folder: FolderRef): FolderListing => ({ folder, trail: [folder.name], folders: [] });

export const createPackageSlice: Slice<PackageSlice> = (set, get) => ({
  pkgBusy: false,
  async browseFolders(under) {
    const r = await getClient().call('listFolders', under ? { under } : {});
    if (!r.ok) {
      set({ pkgError: r.error });
      return;
    }
    set({ saveDir: r.value, pkgError: undefined });
  },
  async chooseSaveFolder() {
    const c = getClient();
    if (!c.chooseSaveFolder) return;
    const r = await c.chooseSaveFolder();
    if (!r.ok) set({ pkgError: r.error });
    else if (r.value) set({ saveDir: chosen(r.value), pkgError: undefined });
  },
  async savePackage(into, name, withoutSignature) {
    set({ pkgBusy: true, pkgError: undefined });
    await get().refreshManifest();
    const r = await getClient().call('savePackage', { into, name, ...(withoutSignature ? { withoutSignature } : {}) });
    if (!r.ok) {
      set({ pkgBusy: false, pkgError: r.error, saved: undefined });
      return;
    }
    set({ saved: r.value, pkgBusy: false });
    // The new folder shows in the picker (browser host; a dialog's folder has no listing).
    if (getClient().kind === 'web') await get().browseFolders(into);
  },
  async downloadPackage(withoutSignature) {
    const c = getClient();
    if (!c.downloadPackage) return;
    set({ pkgBusy: true, downloadError: undefined, downloaded: undefined });
    await get().refreshManifest();
    const r = await c.downloadPackage(withoutSignature === true);
    set(
      r.ok
        ? { downloaded: r.value, downloadedFrom: get().mstate, pkgBusy: false }
        : { downloadError: r.error, pkgBusy: false },
    );
  },
});
