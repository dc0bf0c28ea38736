import type { FileRef, InventorySummary, PreviewReport, StudioError } from '../../src-main/studio/contract';
import { getClient } from '../api/client';
import type { Slice } from './types';

/** Whose compatibility: the draft being built, or the package open in review. Never one for the other. */
export type PreviewSubject = 'draft' | 'review';

export interface CompatSlice {
  inventory?: InventorySummary | undefined;
  /** The last preview of each subject (Build shows `draft`, Review shows `review`). */
  previews: { draft?: PreviewReport | undefined; review?: PreviewReport | undefined };
  /** The channel filter ('' = all channels); always one the loaded inventory has. */
  channel: string;
  compatError?: StudioError | undefined;
  compatBusy: boolean;
  loadInventory: (file: File, subject: PreviewSubject) => Promise<void>;
  /** Loads an inventory the Node side already holds (an example's); the preview runs in the Compatibility step. */
  loadInventoryRef: (file: FileRef) => Promise<void>;
  runPreview: (subject: PreviewSubject, channel?: string) => Promise<void>;
}

export const createCompatSlice: Slice<CompatSlice> = (set, get) => ({
  previews: {},
  channel: '',
  compatBusy: false,
  async loadInventory(file, subject) {
    set({ compatBusy: true, compatError: undefined });
    const sent = await getClient().sendFile(file);
    if (!sent.ok) {
      set({ compatBusy: false, compatError: sent.error });
      return;
    }
    await get().loadInventoryRef(sent.value);
    if (get().inventory?.handle === sent.value.handle) await get().runPreview(subject);
  },
  async loadInventoryRef(file) {
    // Every verdict was about the old inventory: none is shown for the new one until it is previewed.
    set({ compatBusy: true, compatError: undefined, previews: {} });
    const r = await getClient().call('loadInventory', { file: file.handle });
    if (!r.ok) {
      set({ compatBusy: false, compatError: r.error });
      return;
    }
    // A channel the new inventory lacks would silently put no device in scope: back to all channels.
    const channel = r.value.channels.includes(get().channel) ? get().channel : '';
    set({ inventory: r.value, channel, compatBusy: false });
  },
  async runPreview(subject, channel) {
    const ch = channel ?? get().channel;
    set({ compatBusy: true, compatError: undefined, channel: ch });
    if (subject === 'draft') await get().refreshManifest();
    const r = await getClient().call('preview', { subject, ...(ch ? { channel: ch } : {}) });
    if (!r.ok) {
      set((s) => ({ compatBusy: false, compatError: r.error, previews: { ...s.previews, [subject]: undefined } }));
      return;
    }
    set((s) => ({ previews: { ...s.previews, [subject]: r.value }, compatBusy: false }));
  },
});
