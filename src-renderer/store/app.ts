import type { Slice } from './types';

export type StepId = 'model' | 'manifest' | 'sbom' | 'sign' | 'compat' | 'package' | 'publish';
export const STEPS: { id: StepId; label: string }[] = [
  { id: 'model', label: 'Model' },
  { id: 'manifest', label: 'Manifest' },
  { id: 'sbom', label: 'SBOM' },
  { id: 'sign', label: 'Sign' },
  { id: 'compat', label: 'Compatibility' },
  { id: 'package', label: 'Package' },
  { id: 'publish', label: 'Publish' },
];

export interface AppSlice {
  mode: 'build' | 'review' | 'platform';
  step: StepId;
  goTo: (step: StepId) => void;
  setMode: (mode: 'build' | 'review' | 'platform') => void;
}

export const createAppSlice: Slice<AppSlice> = (set) => ({
  mode: 'build',
  step: 'model',
  goTo: (step) => set({ step, mode: 'build' }),
  setMode: (mode) => set({ mode }),
});
