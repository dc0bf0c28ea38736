/**
 * Typed IPC for the main process (GitHub Desktop style): handlers are registered against the
 * shared channel map, and every message is dropped unless it comes from our own renderer page.
 */
import { ipcMain, type IpcMainInvokeEvent, type WebContents } from 'electron';
import type { IpcEventChannels, IpcInvokeChannels, Result } from '../studio/contract.js';
import type { SenderCheck } from './sender.js';

export { trustedRenderer, type SenderCheck } from './sender.js';

export function handle<C extends keyof IpcInvokeChannels>(
  channel: C,
  isTrusted: SenderCheck,
  listener: (args: Parameters<IpcInvokeChannels[C]>[0], event: IpcMainInvokeEvent) => ReturnType<IpcInvokeChannels[C]>,
): void {
  ipcMain.handle(channel, async (event, args: unknown): Promise<Result<unknown>> => {
    const frame = event.senderFrame;
    // Only the top frame of our page may call; iframes, other windows or navigated pages may not.
    if (!frame || frame.parent !== null || !isTrusted(frame.url)) {
      return { ok: false, error: { code: 'FORBIDDEN', message: 'Request from an untrusted page refused' } };
    }
    return await listener(args ?? {}, event);
  });
}

export function send<C extends keyof IpcEventChannels>(
  target: WebContents,
  channel: C,
  payload: IpcEventChannels[C],
): void {
  if (!target.isDestroyed()) target.send(channel, payload);
}
