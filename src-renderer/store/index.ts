/** The Studio's state: one zustand store built from one slice per step (zustand slices pattern). */
import { create } from 'zustand';
import { createAppSlice, STEPS, type StepId } from './app';
import { createCompatSlice } from './compat';
import { createManifestSlice } from './manifest';
import { createModelSlice } from './model';
import { createPackageSlice } from './pkg';
import { createPlatformSlice } from './platform';
import { createReviewSlice } from './review';
import { createSbomSlice } from './sbom';
import { createSignSlice } from './sign';
import type { Store } from './types';

export const useStudio = create<Store>()((...a) => ({
  ...createAppSlice(...a),
  ...createModelSlice(...a),
  ...createManifestSlice(...a),
  ...createSbomSlice(...a),
  ...createSignSlice(...a),
  ...createCompatSlice(...a),
  ...createPackageSlice(...a),
  ...createReviewSlice(...a),
  ...createPlatformSlice(...a),
}));

export { STEPS, type StepId };
export type StepState = 'done' | 'attention' | 'todo';

/** Each step's state for the rail: done, needs attention, or not started. */
export function stepState(s: Store, step: StepId): StepState {
  switch (step) {
    case 'model':
      if (s.modelError) return 'attention';
      if (!s.model) return 'todo';
      return s.model.needsCompanion || s.digestState === 'failed' ? 'attention' : 'done';
    case 'manifest':
      if (!s.mstate) return 'todo';
      return s.mstate.complete ? 'done' : 'attention';
    case 'sbom':
      if (s.sbomError || (s.sbom && !s.sbom.valid) || s.mstate?.sbomStale) return 'attention';
      return s.mstate?.manifest.sbom ? 'done' : 'todo';
    case 'sign':
      if (s.signError || s.mstate?.changedSinceSigning || (s.verifyReport && !s.verifyReport.verified))
        return 'attention';
      return s.signResult ? 'done' : 'todo';
    case 'compat':
      if (s.compatError) return 'attention';
      if (!s.previews.draft) return 'todo';
      // No device in scope is never a pass.
      return s.previews.draft.total === 0 || s.previews.draft.totals.declined > 0 ? 'attention' : 'done';
    case 'package':
      if (s.pkgError) return 'attention';
      if (!s.saved) return 'todo';
      // Saved, but the draft has moved on since (or cannot be saved as it is now): not done.
      return s.mstate && (!s.mstate.valid || s.mstate.sbomStale || s.mstate.changedSinceSigning) ? 'attention' : 'done';
    case 'publish':
      if (s.publishError || (s.publishOutcome && !s.publishOutcome.published)) return 'attention';
      return s.publishOutcome?.published ? 'done' : 'todo';
  }
}
