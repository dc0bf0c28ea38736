import type { SbomReport, StudioError } from '../../src-main/studio/contract';
import { getClient } from '../api/client';
import { awaitJob } from './jobs';
import type { Slice } from './types';

export interface SbomSlice {
  sbom?: SbomReport | undefined;
  sbomBusy: boolean;
  sbomJob?: string | undefined;
  sbomError?: StudioError | undefined;
  attachSbom: (file: File) => Promise<void>;
  generateSbom: () => Promise<void>;
}

export const createSbomSlice: Slice<SbomSlice> = (set, get) => ({
  sbomBusy: false,
  async attachSbom(file) {
    set({ sbomBusy: true, sbomError: undefined });
    await get().refreshManifest();
    const sent = await getClient().sendFile(file);
    if (!sent.ok) {
      set({ sbomBusy: false, sbomError: sent.error });
      return;
    }
    const r = await getClient().call('attachSbom', { file: sent.value.handle });
    if (!r.ok) {
      set({ sbomBusy: false, sbomError: r.error });
      return;
    }
    set({ sbom: r.value, sbomBusy: false });
    await get().refreshManifest();
  },
  async generateSbom() {
    set({ sbomBusy: true, sbomError: undefined });
    await get().refreshManifest();
    const r = await getClient().call('generateSbom', {});
    if (!r.ok) {
      set({ sbomBusy: false, sbomError: r.error });
      return;
    }
    set({ sbomJob: r.value.jobId });
    const end = await awaitJob(r.value.jobId, 'sbom-generate');
    if (end.state === 'done') set({ sbom: end.result as SbomReport, sbomBusy: false });
    else set({ sbomBusy: false, ...(end.error ? { sbomError: end.error } : {}) });
    await get().refreshManifest();
  },
});
