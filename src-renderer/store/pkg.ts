import type { PackageSummary, StudioError } from '../../src-main/studio/contract';
import { getClient } from '../api/client';
import type { Slice } from './types';

export interface PackageSlice {
  saved?: PackageSummary | undefined;
  pkgError?: StudioError | undefined;
  pkgBusy: boolean;
  savePackage: (dest: string) => Promise<void>;
}

export const createPackageSlice: Slice<PackageSlice> = (set, get) => ({
  pkgBusy: false,
  async savePackage(dest) {
    set({ pkgBusy: true, pkgError: undefined });
    await get().refreshManifest();
    const r = await getClient().call('savePackage', { dest });
    if (!r.ok) {
      set({ pkgBusy: false, pkgError: r.error });
      return;
    }
    set({ saved: r.value, pkgBusy: false });
  },
});
