/**
 * Platforms and registries: the saved platforms and the active one, a publish (job, files, pause),
 * the Platform view's data (releases, channels, coverage, rollouts) with polling, promote with its diff,
 * pushing to a registry, and opening a release or a registry reference in Review.
 * Tokens and passwords are sent once and never kept here.
 */
import type {
  ChannelChange,
  JobId,
  PlatformOverview,
  PlatformPreview,
  PlatformStatus,
  PromotePreview,
  PublishOutcome,
  PushDone,
  ReviewState,
  RolloutAction,
  RolloutStart,
  RolloutsView,
  StudioError,
} from '../../src-main/studio/contract';
import { getClient } from '../api/client';
import { awaitJob, cancelJob } from './jobs';
import type { Slice } from './types';

export interface Publishing {
  jobId: JobId;
  files: { path: string; size: number }[];
  source: 'upload' | 'registry';
  channel: string;
  from?: string;
  paused: boolean;
  startedAt: number;
}

export interface PlatformSlice {
  platforms: PlatformStatus[];
  activePlatform?: PlatformStatus | undefined;
  platformError?: StudioError | undefined;
  platformBusy: boolean;
  loadPlatforms: () => Promise<void>;
  addPlatform: (url: string, token: string) => Promise<boolean>;
  usePlatform: (url: string) => Promise<void>;
  removePlatform: (url: string) => Promise<void>;

  overview?: PlatformOverview | undefined;
  overviewError?: StudioError | undefined;
  overviewAt?: number | undefined;
  loadOverview: () => Promise<void>;

  platformPreview?: PlatformPreview | undefined;
  loadPlatformPreview: (channel: string) => Promise<void>;

  rollouts?: RolloutsView | undefined;
  rolloutsError?: StudioError | undefined;
  rolloutsAt?: number | undefined;
  loadRollouts: () => Promise<void>;
  /** The last start / pause / resume / abort that the platform refused. */
  rolloutError?: StudioError | undefined;
  rolloutBusy: boolean;
  startRollout: (a: RolloutStart) => Promise<boolean>;
  rolloutAction: (id: string, action: RolloutAction) => Promise<boolean>;

  publishing?: Publishing | undefined;
  /** The last publish's end: published / refused (per file), or an error (unreachable, cancelled…). */
  publishOutcome?: PublishOutcome | undefined;
  publishError?: StudioError | undefined;
  publishCancelled: boolean;
  startPublish: (channel: string, from?: string) => Promise<void>;
  setPaused: (paused: boolean) => Promise<void>;
  cancelPublish: () => void;

  promotion?: PromotePreview | undefined;
  promoteError?: StudioError | undefined;
  promoted?: ChannelChange | undefined;
  previewPromotion: (model: string, from: string, to: string) => Promise<void>;
  confirmPromotion: () => Promise<void>;
  closePromotion: () => void;

  pushJob?: JobId | undefined;
  pushed?: PushDone | undefined;
  pushError?: StudioError | undefined;
  /** The last push was cancelled (nothing is reported as pushed). */
  pushCancelled?: boolean | undefined;
  pushToRegistry: (reference: string, plainHttp: boolean) => Promise<void>;
  registryLogin: (registry: string, username: string, password: string, plainHttp: boolean) => Promise<boolean>;
  registryNote?: string | undefined;

  openRelease: (name: string, version: string) => Promise<void>;
  openReference: (reference: string, plainHttp: boolean) => Promise<void>;
}

export const createPlatformSlice: Slice<PlatformSlice> = (set, get) => {
  const client = () => getClient();
  let previewAsked = 0;
  const activeOf = (list: PlatformStatus[], st?: PlatformStatus) => (st && st.active ? st : list.find((p) => p.active));
  const toReview = (r: { ok: true; value: ReviewState } | { ok: false; error: StudioError }) => {
    if (!r.ok) set({ reviewBusy: false, reviewError: r.error, mode: 'review' });
    else set({ review: r.value, reviewBusy: false, reviewError: undefined, diffReport: undefined, mode: 'review' });
  };
  return {
    platforms: [],
    platformBusy: false,
    publishCancelled: false,
    async loadPlatforms() {
      const r = await client().call('listPlatforms', {});
      if (!r.ok) {
        set({ platformError: r.error });
        return;
      }
      const cur = get().activePlatform;
      set({
        platforms: r.value,
        activePlatform: cur && r.value.some((p) => p.url === cur.url && p.active) ? cur : undefined,
      });
    },
    async addPlatform(url, token) {
      set({ platformBusy: true, platformError: undefined });
      const r = await client().call('addPlatform', { url, token });
      if (!r.ok) {
        set({ platformBusy: false, platformError: r.error });
        return false;
      }
      set({
        activePlatform: r.value,
        platformBusy: false,
        overview: undefined,
        platformPreview: undefined,
        rollouts: undefined,
      });
      await get().loadPlatforms();
      return true;
    },
    async usePlatform(url) {
      set({ platformBusy: true, platformError: undefined });
      const r = await client().call('usePlatform', { url });
      if (!r.ok) {
        set({ platformBusy: false, platformError: r.error });
        return;
      }
      set({
        activePlatform: activeOf([], r.value),
        platformBusy: false,
        overview: undefined,
        platformPreview: undefined,
        rollouts: undefined,
      });
      await get().loadPlatforms();
    },
    async removePlatform(url) {
      const r = await client().call('removePlatform', { url });
      if (!r.ok) {
        set({ platformError: r.error });
        return;
      }
      const gone = get().activePlatform?.url === url;
      set({
        platforms: r.value,
        ...(gone ? { activePlatform: undefined, overview: undefined, rollouts: undefined } : {}),
      });
    },

    async loadOverview() {
      const r = await client().call('platformOverview', {});
      if (!r.ok) {
        set({ overviewError: r.error });
        return;
      }
      set({ overview: r.value, overviewError: undefined, overviewAt: Date.now() });
    },
    async loadPlatformPreview(channel) {
      // The platform previews the draft as it is now, never an older one.
      const asked = ++previewAsked;
      set({ platformPreview: undefined });
      await get().refreshManifest();
      const r = await client().call('platformPreview', { channel });
      if (asked !== previewAsked) return; // a later channel's answer is coming
      if (r.ok) set({ platformPreview: r.value });
      else
        set({
          platformPreview: {
            available: false,
            reason: r.error.message,
            ...(r.error.hint ? { hint: r.error.hint } : {}),
          },
        });
    },

    rolloutBusy: false,
    async loadRollouts() {
      const r = await client().call('platformRollouts', {});
      if (!r.ok) {
        set({ rolloutsError: r.error });
        return;
      }
      set({ rollouts: r.value, rolloutsError: undefined, rolloutsAt: Date.now() });
    },
    async startRollout(a) {
      set({ rolloutBusy: true, rolloutError: undefined });
      const r = await client().call('startRollout', a);
      set({ rolloutBusy: false, ...(r.ok ? {} : { rolloutError: r.error }) });
      if (r.ok) await get().loadRollouts();
      return r.ok;
    },
    async rolloutAction(id, action) {
      set({ rolloutBusy: true, rolloutError: undefined });
      const r = await client().call('rolloutAction', { id, action });
      set({ rolloutBusy: false, ...(r.ok ? {} : { rolloutError: r.error }) });
      await get().loadRollouts();
      return r.ok;
    },

    async startPublish(channel, from) {
      set({ publishError: undefined, publishOutcome: undefined, publishCancelled: false });
      await get().refreshManifest();
      const r = await client().call('publish', { ...(channel ? { channel } : {}), ...(from ? { from } : {}) });
      if (!r.ok) {
        set({ publishError: r.error });
        return;
      }
      const p: Publishing = {
        jobId: r.value.jobId,
        files: r.value.files,
        source: r.value.source,
        channel,
        ...(from ? { from } : {}),
        paused: false,
        startedAt: Date.now(),
      };
      set({ publishing: p });
      const end = await awaitJob(p.jobId, 'publish');
      if (get().publishing?.jobId !== p.jobId) return;
      if (end.state === 'done') set({ publishing: undefined, publishOutcome: end.result as PublishOutcome });
      else if (end.state === 'cancelled') set({ publishing: undefined, publishCancelled: true });
      else set({ publishing: undefined, publishError: end.error });
      // The connection's health as it is now (a platform that went away shows as unreachable).
      const a = get().activePlatform;
      if (a && (end.state === 'failed' || a.health !== 'healthy')) await get().usePlatform(a.url);
    },
    async setPaused(paused) {
      const p = get().publishing;
      if (!p) return;
      const r = await client().call(paused ? 'pausePublish' : 'resumePublish', { jobId: p.jobId });
      if (r.ok && get().publishing?.jobId === p.jobId) set({ publishing: { ...p, paused: r.value.paused } });
    },
    cancelPublish() {
      const p = get().publishing;
      if (p) void cancelJob(p.jobId);
    },

    async previewPromotion(model, from, to) {
      set({ promoteError: undefined, promoted: undefined, promotion: undefined });
      const r = await client().call('promotePreview', { model, from, to });
      if (!r.ok) {
        set({ promoteError: r.error });
        return;
      }
      set({ promotion: r.value });
    },
    async confirmPromotion() {
      const p = get().promotion;
      if (!p) return;
      const r = await client().call('promote', { model: p.model, from: p.from, to: p.to });
      if (!r.ok) {
        set({ promoteError: r.error });
        return;
      }
      set({ promoted: r.value, promotion: undefined });
      await get().loadOverview();
    },
    closePromotion: () => set({ promotion: undefined, promoteError: undefined }),

    async pushToRegistry(reference, plainHttp) {
      set({ pushError: undefined, pushed: undefined, pushCancelled: undefined });
      await get().refreshManifest();
      const r = await client().call('pushToRegistry', { reference, ...(plainHttp ? { plainHttp } : {}) });
      if (!r.ok) {
        set({ pushError: r.error });
        return;
      }
      set({ pushJob: r.value.jobId });
      const end = await awaitJob(r.value.jobId, 'push');
      if (end.state === 'done') set({ pushed: end.result as PushDone, pushJob: undefined });
      else if (end.state === 'failed') set({ pushError: end.error, pushJob: undefined });
      else set({ pushJob: undefined, pushCancelled: end.state === 'cancelled' });
    },
    async registryLogin(registry, username, password, plainHttp) {
      set({ pushError: undefined, registryNote: undefined });
      const r = await client().call('registryLogin', {
        registry,
        username,
        password,
        ...(plainHttp ? { plainHttp } : {}),
      });
      if (!r.ok) {
        set({ pushError: r.error });
        return false;
      }
      set({ registryNote: `Signed in to ${r.value.registry}; the credentials are in the OS keychain.` });
      return true;
    },

    async openRelease(name, version) {
      set({ reviewBusy: true, reviewError: undefined, mode: 'review', review: undefined });
      toReview(await client().call('openRelease', { name, version }));
    },
    async openReference(reference, plainHttp) {
      set({ reviewBusy: true, reviewError: undefined, review: undefined });
      toReview(await client().call('openReference', { reference, ...(plainHttp ? { plainHttp } : {}) }));
    },
  };
};
