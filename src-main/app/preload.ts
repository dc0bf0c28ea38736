/**
 * Preload (sandboxed, CommonJS): exposes `window.fleetpack`, one function per StudioApi operation
 * plus the few shell ones. Never the raw ipcRenderer; listeners get the payload, not the event.
 * Dropped files: the path is resolved here with webUtils and sent to main, which answers an
 * opaque handle; the page never sees the path.
 */
import { contextBridge, ipcRenderer, webUtils, type IpcRendererEvent } from 'electron';
import {
  OPERATIONS,
  channelOf,
  type FleetpackBridge,
  type IpcEventChannels,
  type IpcInvokeChannels,
} from '../studio/contract.js';

function invoke<C extends keyof IpcInvokeChannels>(
  channel: C,
  args: Parameters<IpcInvokeChannels[C]>[0],
): ReturnType<IpcInvokeChannels[C]> {
  return ipcRenderer.invoke(channel, args) as ReturnType<IpcInvokeChannels[C]>;
}

function listen<C extends keyof IpcEventChannels>(
  channel: C,
  listener: (payload: IpcEventChannels[C]) => void,
): () => void {
  const wrapped = (_e: IpcRendererEvent, payload: IpcEventChannels[C]) => listener(payload);
  ipcRenderer.on(channel, wrapped);
  return () => ipcRenderer.removeListener(channel, wrapped);
}

const operations = Object.fromEntries(
  OPERATIONS.map((op) => [op, (args: unknown) => ipcRenderer.invoke(channelOf(op), args ?? {})]),
);

const bridge = {
  ...operations,
  dropFile: (file: File) => {
    const path = webUtils.getPathForFile(file);
    if (!path)
      return Promise.resolve({
        ok: false,
        error: { code: 'NOT_A_LOCAL_FILE', message: 'Only files from this computer can be opened.' },
      });
    return invoke('app:dropFile', { path });
  },
  chooseFile: (purpose) => invoke('app:chooseFile', { purpose }),
  chooseFolder: (purpose) => invoke('app:chooseFolder', { purpose }),
  chooseSaveFolder: () => invoke('app:chooseSaveFolder', {}),
  onJobEvent: (listener) => listen('studio:job-event', listener),
  onMenu: (listener) => listen('app:menu', listener),
} as FleetpackBridge;

contextBridge.exposeInMainWorld('fleetpack', bridge);
