import type {
  FileRef,
  LicenseCheck,
  Manifest,
  ManifestVocabulary,
  ManifestState,
  ProfileSummary,
  StudioError,
} from '../../src-main/studio/contract';
import { getClient } from '../api/client';
import type { Slice } from './types';

export interface ManifestSlice {
  mstate?: ManifestState | undefined;
  /** What the form shows; sent to the Node side (debounced), which answers with the validation. */
  draft?: Manifest | undefined;
  manifestError?: StudioError | undefined;
  license?: LicenseCheck | undefined;
  catalog?: ProfileSummary[] | undefined;
  catalogError?: StudioError | undefined;
  /** Channels, color orders, layouts, license suggestions: from the manifest's owner, never a copy. */
  vocab?: ManifestVocabulary | undefined;
  loadVocabulary: () => Promise<void>;
  metricsNote?: string | undefined;
  acceptManifest: (s: ManifestState) => void;
  editManifest: (update: (m: Manifest) => Manifest) => void;
  refreshManifest: () => Promise<void>;
  checkLicense: (expression: string) => Promise<void>;
  loadCatalog: () => Promise<void>;
  importMetrics: (file: File) => Promise<void>;
  /** Imports metrics from a file the Node side already holds (an example's). */
  importMetricsRef: (file: FileRef) => Promise<void>;
  resetAfterModel: () => void;
}

const DEBOUNCE_MS = 250;

export const createManifestSlice: Slice<ManifestSlice> = (set, get) => {
  let seq = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;

  let edits = 0;

  async function send(): Promise<void> {
    const draft = get().draft;
    if (!draft) return;
    const mine = ++seq;
    const editsAtSend = edits;
    const r = await getClient().call('updateManifest', { manifest: draft });
    if (mine !== seq) return; // a newer request is on its way
    if (!r.ok) {
      set({ manifestError: r.error });
      return;
    }
    // Edits made while this request was in flight stay in the draft; the next send carries them.
    if (edits !== editsAtSend) {
      set({ mstate: { ...r.value, manifest: get().draft ?? r.value.manifest }, manifestError: undefined });
      return;
    }
    set({ mstate: r.value, draft: r.value.manifest, manifestError: undefined });
  }

  return {
    acceptManifest: (s) => set({ mstate: s, draft: s.manifest, manifestError: undefined }),
    editManifest(update) {
      const draft = get().draft;
      if (!draft) return;
      edits++;
      set({ draft: update(draft) });
      if (timer) clearTimeout(timer);
      timer = setTimeout(() => void send(), DEBOUNCE_MS);
    },
    /** Pushes the current draft and takes the Node side's answer (digests, SBOM reference, problems). */
    async refreshManifest() {
      if (timer) clearTimeout(timer);
      timer = undefined;
      if (get().draft) return send();
      const r = await getClient().call('getManifest', {});
      if (r.ok) set({ mstate: r.value, draft: r.value.manifest });
    },
    async checkLicense(expression) {
      if (!expression.trim()) {
        set({ license: undefined });
        return;
      }
      const r = await getClient().call('checkLicense', { expression });
      if (r.ok) set({ license: r.value });
      else
        set({
          license: {
            expression,
            valid: false,
            message: r.error.message,
            ...(r.error.hint ? { hint: r.error.hint } : {}),
          },
        });
    },
    async loadVocabulary() {
      if (get().vocab) return;
      const r = await getClient().call('vocabulary', {});
      if (r.ok) set({ vocab: r.value });
    },
    async loadCatalog() {
      if (get().catalog) return;
      const r = await getClient().call('listCatalog', {});
      if (r.ok) set({ catalog: r.value, catalogError: undefined });
      else set({ catalogError: r.error });
    },
    async importMetrics(file) {
      const sent = await getClient().sendFile(file);
      if (!sent.ok) {
        set({ manifestError: sent.error });
        return;
      }
      await get().importMetricsRef(sent.value);
    },
    async importMetricsRef(file) {
      await get().refreshManifest();
      const r = await getClient().call('importMetrics', { file: file.handle });
      if (!r.ok) {
        set({ manifestError: r.error, metricsNote: undefined });
        return;
      }
      get().acceptManifest(r.value.manifest);
      set({
        metricsNote: `Imported ${r.value.metrics.length} metric${r.value.metrics.length === 1 ? '' : 's'} from ${file.name}${r.value.warnings.length ? ` (${r.value.warnings.join('; ')})` : ''}.`,
      });
    },
    resetAfterModel: () =>
      set({
        license: undefined,
        metricsNote: undefined,
        sbom: undefined,
        sbomError: undefined,
        signResult: undefined,
        verifyReport: undefined,
        signError: undefined,
        previews: {},
        saved: undefined,
        pkgError: undefined,
      }),
  };
};
