import type { KeyInfo, SignResult, StudioError, VerifyReport } from '../../src-main/studio/contract';
import { getClient } from '../api/client';
import { awaitJob } from './jobs';
import type { Slice } from './types';

export interface SignSlice {
  keys?: KeyInfo[] | undefined;
  keysError?: StudioError | undefined;
  selectedKey?: string | undefined;
  signJob?: string | undefined;
  verifyJob?: string | undefined;
  signResult?: SignResult | undefined;
  verifyReport?: VerifyReport | undefined;
  signError?: StudioError | undefined;
  loadKeys: () => Promise<void>;
  createKey: (name: string) => Promise<boolean>;
  selectKey: (name: string) => void;
  signPackage: () => Promise<void>;
  verifyPackage: () => Promise<void>;
}

export const createSignSlice: Slice<SignSlice> = (set, get) => ({
  async loadKeys() {
    const r = await getClient().call('listKeys', {});
    if (!r.ok) {
      set({ keysError: r.error });
      return;
    }
    const selected = get().selectedKey;
    set({ keys: r.value, keysError: undefined, selectedKey: selected ?? r.value[0]?.name });
  },
  async createKey(name) {
    const r = await getClient().call('createKey', { name });
    if (!r.ok) {
      set({ keysError: r.error });
      return false;
    }
    set({ keysError: undefined, selectedKey: r.value.name });
    await get().loadKeys();
    return true;
  },
  selectKey: (name) => set({ selectedKey: name }),
  async signPackage() {
    const key = get().selectedKey;
    if (!key) return;
    // A new signature makes any earlier save history: the package to ship is not saved yet.
    set({
      signError: undefined,
      verifyReport: undefined,
      signResult: undefined,
      saved: undefined,
      downloaded: undefined,
    });
    await get().refreshManifest();
    const r = await getClient().call('sign', { key });
    if (!r.ok) {
      set({ signError: r.error });
      return;
    }
    set({ signJob: r.value.jobId });
    const end = await awaitJob(r.value.jobId, 'sign');
    if (end.state === 'done') set({ signResult: end.result as SignResult });
    else if (end.error) set({ signError: end.error });
    await get().refreshManifest();
  },
  async verifyPackage() {
    set({ signError: undefined, verifyReport: undefined });
    const key = get().signResult?.keyName ?? get().selectedKey;
    const r = await getClient().call('verify', key ? { key } : {});
    if (!r.ok) {
      set({ signError: r.error });
      return;
    }
    set({ verifyJob: r.value.jobId });
    const end = await awaitJob(r.value.jobId, 'verify');
    if (end.state === 'done') set({ verifyReport: end.result as VerifyReport });
    else if (end.error) set({ signError: end.error });
  },
});
