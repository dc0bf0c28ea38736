import type { ExampleSummary, FileRef, JobResults, ModelView, StudioError } from '../../src-main/studio/contract';
import { getClient } from '../api/client';
import { awaitJob } from './jobs';
import type { Slice } from './types';

export interface ModelSlice {
  model?: ModelView | undefined;
  modelBusy: boolean;
  modelError?: StudioError | undefined;
  upload?: { name: string; done: number; total: number } | undefined;
  digestJob?: string | undefined;
  /** The full read that follows a quick one (model.info.partial), while it runs. */
  inspectJob?: string | undefined;
  digestState?: 'running' | 'done' | 'failed' | 'cancelled' | undefined;
  openModelFile: (file: File) => Promise<void>;
  openModelDialog: () => Promise<void>;
  /** A file the shell already handed over (menu Open…, Recent). */
  openModelRef: (file: FileRef) => Promise<void>;
  setCompanion: (file: File) => Promise<void>;
  /** The examples shipped with Fleetpack (loaded once), and the one opened last. */
  examples?: ExampleSummary[] | undefined;
  example?: ExampleSummary | undefined;
  loadExamples: () => Promise<void>;
  /** Opens an example's model, imports its metrics and loads its fleet, as if the user had chosen them. */
  openExample: (name: string) => Promise<void>;
}

export const createModelSlice: Slice<ModelSlice> = (set, get) => {
  /**
   * `andThen` runs once the model is open, before the digest is followed: the refresh at the
   * digest's end must not race its manifest changes (a stale draft would overwrite them).
   */
  async function openHandle(handle: string, andThen?: () => Promise<void>): Promise<void> {
    const r = await getClient().call('openModel', { file: handle });
    if (!r.ok) {
      set({ modelBusy: false, modelError: r.error });
      return;
    }
    get().acceptManifest(r.value.manifest);
    set({ model: r.value.model, modelBusy: false });
    get().resetAfterModel();
    set({ inspectJob: r.value.inspectJob });
    if (r.value.inspectJob) void trackInspect(r.value.inspectJob);
    set({ digestJob: r.value.digestJob, digestState: 'running' });
    if (andThen) await andThen();
    await trackDigest(r.value.digestJob);
  }

  /** The full read after a quick one: its facts replace the provisional ones (the Node side merges). */
  async function trackInspect(jobId: string): Promise<void> {
    const end = await awaitJob(jobId, 'inspect');
    if (get().inspectJob !== jobId) return;
    set({ inspectJob: undefined });
    if (end.state === 'failed') {
      set({ modelError: end.error });
      return;
    }
    if (end.state !== 'done') return;
    const result = end.result as JobResults['inspect'];
    set({ model: result.model });
    if (result.changed) await get().refreshManifest();
  }

  /** Follows the background digest; the manifest is refreshed (digests filled in) when it ends. */
  async function trackDigest(jobId: string): Promise<void> {
    set({ digestJob: jobId, digestState: 'running' });
    const end = await awaitJob(jobId, 'digest');
    if (get().digestJob !== jobId) return;
    set({ digestState: end.state });
    if (end.state === 'done') await get().refreshManifest();
  }

  return {
    modelBusy: false,
    async openModelFile(file) {
      set({
        modelBusy: true,
        modelError: undefined,
        example: undefined,
        upload: { name: file.name, done: 0, total: file.size },
      });
      const sent = await getClient().sendFile(file, (done, total) => set({ upload: { name: file.name, done, total } }));
      set({ upload: undefined });
      if (!sent.ok) {
        set({ modelBusy: false, modelError: sent.error });
        return;
      }
      await openHandle(sent.value.handle);
    },
    async openModelDialog() {
      const c = getClient();
      if (!c.chooseFile) return;
      const r = await c.chooseFile('model');
      if (!r.ok) {
        set({ modelError: r.error });
        return;
      }
      if (!r.value) return;
      set({ modelBusy: true, modelError: undefined, example: undefined });
      await openHandle(r.value.handle);
    },
    async openModelRef(file) {
      set({ modelBusy: true, modelError: undefined, example: undefined, step: 'model', mode: 'build' });
      await openHandle(file.handle);
    },
    async loadExamples() {
      if (get().examples) return;
      const r = await getClient().call('listExamples', {});
      // Without examples (or the list) the Studio works as before: the button is simply not offered.
      set({ examples: r.ok ? r.value : [] });
    },
    async openExample(name) {
      set({ modelBusy: true, modelError: undefined, example: undefined, step: 'model', mode: 'build' });
      const r = await getClient().call('openExample', { name });
      if (!r.ok) {
        set({ modelBusy: false, modelError: r.error });
        return;
      }
      const { model, metrics, inventory, ...example } = r.value;
      await openHandle(model.handle, async () => {
        set({ example });
        await get().importMetricsRef(metrics);
        await get().loadInventoryRef(inventory);
      });
    },
    async setCompanion(file) {
      set({ modelBusy: true, modelError: undefined });
      const sent = await getClient().sendFile(file);
      if (!sent.ok) {
        set({ modelBusy: false, modelError: sent.error });
        return;
      }
      const r = await getClient().call('inspect', { companion: sent.value.handle });
      if (!r.ok) {
        set({ modelBusy: false, modelError: r.error });
        return;
      }
      get().acceptManifest(r.value.manifest);
      set({ model: r.value.model, modelBusy: false });
      await trackDigest(r.value.digestJob);
    },
  };
};
