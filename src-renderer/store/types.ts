import type { StateCreator } from 'zustand';
import type { AppSlice } from './app';
import type { CompatSlice } from './compat';
import type { ManifestSlice } from './manifest';
import type { ModelSlice } from './model';
import type { PackageSlice } from './pkg';
import type { PlatformSlice } from './platform';
import type { ReviewSlice } from './review';
import type { SbomSlice } from './sbom';
import type { SignSlice } from './sign';

export type Store = AppSlice &
  ModelSlice &
  ManifestSlice &
  SbomSlice &
  SignSlice &
  CompatSlice &
  PackageSlice &
  ReviewSlice &
  PlatformSlice;
export type Slice<T> = StateCreator<Store, [], [], T>;
