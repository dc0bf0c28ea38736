import type { FileRef, InventorySummary, PreviewReport, StudioError } from '../../src-main/studio/contract';
import { getClient } from '../api/client';
import type { Slice } from './types';

export interface CompatSlice {
  inventory?: InventorySummary | undefined;
  preview?: PreviewReport | undefined;
  channel: string;
  compatError?: StudioError | undefined;
  compatBusy: boolean;
  loadInventory: (file: File) => Promise<void>;
  /** Loads an inventory the Node side already holds (an example's); the preview runs in the Compatibility step. */
  loadInventoryRef: (file: FileRef) => Promise<void>;
  runPreview: (channel?: string) => Promise<void>;
}

export const createCompatSlice: Slice<CompatSlice> = (set, get) => ({
  channel: '',
  compatBusy: false,
  async loadInventory(file) {
    set({ compatBusy: true, compatError: undefined, preview: undefined });
    const sent = await getClient().sendFile(file);
    if (!sent.ok) {
      set({ compatBusy: false, compatError: sent.error });
      return;
    }
    await get().loadInventoryRef(sent.value);
    if (get().inventory?.handle === sent.value.handle) await get().runPreview();
  },
  async loadInventoryRef(file) {
    set({ compatBusy: true, compatError: undefined, preview: undefined });
    const r = await getClient().call('loadInventory', { file: file.handle });
    if (!r.ok) {
      set({ compatBusy: false, compatError: r.error });
      return;
    }
    set({ inventory: r.value, compatBusy: false });
  },
  async runPreview(channel) {
    const ch = channel ?? get().channel;
    set({ compatBusy: true, compatError: undefined, channel: ch });
    if (get().mode === 'build') await get().refreshManifest();
    const r = await getClient().call('preview', ch ? { channel: ch } : {});
    if (!r.ok) {
      set({ compatBusy: false, compatError: r.error });
      return;
    }
    set({ preview: r.value, compatBusy: false });
  },
});
