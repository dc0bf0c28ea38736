/**
 * The renderer's view of the StudioApi. Two transports: the Electron preload bridge
 * (window.fleetpack) and the loopback HTTP host (token from the page URL). The UI only uses this.
 */
import type {
  FileRef,
  FilePurpose,
  FleetpackBridge,
  FolderRef,
  JobEvent,
  MenuAction,
  OperationArgs,
  OperationName,
  OperationValue,
  PackageDownload,
  Result,
} from '../../src-main/studio/contract';
import { createHttpClient } from './http';

export interface StudioClient {
  kind: 'electron' | 'web';
  call<K extends OperationName>(op: K, args: OperationArgs<K>): Promise<Result<OperationValue<K>>>;
  /** Hands a dropped or picked file to the Node side; `onProgress` reports upload bytes (web). */
  sendFile(file: File, onProgress?: (done: number, total: number) => void): Promise<Result<FileRef>>;
  /** Hands a picked folder (webkitdirectory file list) to the Node side (web). */
  sendFolder(files: File[], onProgress?: (done: number, total: number) => void): Promise<Result<FolderRef>>;
  /** Native dialogs (Electron only). */
  chooseFile?(purpose: FilePurpose): Promise<Result<FileRef | null>>;
  chooseFolder?(purpose: 'package' | 'compare'): Promise<Result<FolderRef | null>>;
  chooseSaveFolder?(): Promise<Result<FolderRef | null>>;
  /** The package as a .tar download, past the same gate as a save (browser host only). */
  downloadPackage?(withoutSignature: boolean): Promise<Result<PackageDownload>>;
  onJobEvent(listener: (e: JobEvent) => void): () => void;
  onMenu(listener: (e: MenuAction) => void): () => void;
}

declare global {
  interface Window {
    fleetpack?: FleetpackBridge;
  }
}

function electronClient(bridge: FleetpackBridge): StudioClient {
  return {
    kind: 'electron',
    call: (op, args) => (bridge[op] as (a: unknown) => Promise<Result<never>>)(args),
    sendFile: (file) => bridge.dropFile(file),
    sendFolder: () =>
      Promise.resolve({
        ok: false,
        error: { code: 'UNSUPPORTED', message: 'Use Open package… to choose a folder.' },
      }),
    chooseFile: (p) => bridge.chooseFile(p),
    chooseFolder: (p) => bridge.chooseFolder(p),
    chooseSaveFolder: () => bridge.chooseSaveFolder(),
    onJobEvent: (l) => bridge.onJobEvent(l),
    onMenu: (l) => bridge.onMenu(l),
  };
}

let client: StudioClient | undefined;

export function getClient(): StudioClient {
  if (client) return client;
  client = window.fleetpack ? electronClient(window.fleetpack) : createHttpClient();
  return client;
}
