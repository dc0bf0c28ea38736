import type { DiffReport, FolderRef, Result, ReviewState, StudioError } from '../../src-main/studio/contract';
import { getClient } from '../api/client';
import type { Slice } from './types';

export interface ReviewSlice {
  review?: ReviewState | undefined;
  diffReport?: DiffReport | undefined;
  reviewError?: StudioError | undefined;
  reviewBusy: boolean;
  openPackage: (files: File[] | 'dialog') => Promise<void>;
  diffAgainst: (files: File[] | 'dialog') => Promise<void>;
  openPackageFolder: (folder: FolderRef, publicKey?: string) => Promise<void>;
  /** Verifies the reviewed package with the signer's public key (a PEM file the reviewer has). */
  verifyWithKey: (file: File) => Promise<void>;
}

async function folderFrom(files: File[] | 'dialog', purpose: 'package' | 'compare'): Promise<Result<FolderRef | null>> {
  const c = getClient();
  if (files === 'dialog') return c.chooseFolder ? c.chooseFolder(purpose) : { ok: true, value: null };
  if (files.length === 0) return { ok: true, value: null };
  return c.sendFolder(files);
}

export const createReviewSlice: Slice<ReviewSlice> = (set, get) => ({
  reviewBusy: false,
  async openPackage(files) {
    set({ reviewBusy: true, reviewError: undefined, diffReport: undefined, mode: 'review' });
    const folder = await folderFrom(files, 'package');
    if (!folder.ok) {
      set({ reviewBusy: false, reviewError: folder.error });
      return;
    }
    if (!folder.value) {
      set({ reviewBusy: false });
      return;
    }
    await get().openPackageFolder(folder.value);
  },
  async openPackageFolder(folder, publicKey) {
    set({ reviewBusy: true, reviewError: undefined, diffReport: undefined, mode: 'review' });
    const r = await getClient().call('openPackage', { folder: folder.handle, ...(publicKey ? { publicKey } : {}) });
    if (!r.ok) {
      set({ reviewBusy: false, reviewError: r.error, review: undefined });
      return;
    }
    set((s) => ({ review: r.value, reviewBusy: false, previews: { ...s.previews, review: undefined } }));
    // The compatibility shown in review is the reviewed package's, against the loaded inventory.
    if (get().inventory) await get().runPreview('review');
  },
  async verifyWithKey(file) {
    const review = get().review;
    if (!review) return;
    if (file.size > 64 * 1024) {
      set({
        reviewError: {
          code: 'NOT_A_PUBLIC_KEY',
          message: `${file.name} is too large to be a public key`,
          hint: 'Choose the signer’s public key PEM file.',
        },
      });
      return;
    }
    await get().openPackageFolder(review.pkg, await file.text());
  },
  async diffAgainst(files) {
    set({ reviewBusy: true, reviewError: undefined });
    const folder = await folderFrom(files, 'compare');
    if (!folder.ok) {
      set({ reviewBusy: false, reviewError: folder.error });
      return;
    }
    if (!folder.value) {
      set({ reviewBusy: false });
      return;
    }
    const r = await getClient().call('diff', { against: folder.value.handle });
    if (!r.ok) {
      set({ reviewBusy: false, reviewError: r.error });
      return;
    }
    set({ diffReport: r.value, reviewBusy: false });
  },
});
