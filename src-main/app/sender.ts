/**
 * Which frames may call the StudioApi over IPC: only our renderer page, compared with a real URL
 * parser (never startsWith). Electron-free so it can be tested in Node.
 */
export type SenderCheck = (url: string) => boolean;

/** True when `url` is the renderer's index.html (file: URL) or, in development, the dev server's origin. */
export function trustedRenderer(rendererIndexUrl: string, devServerUrl?: string): SenderCheck {
  const index = new URL(rendererIndexUrl);
  const dev = devServerUrl ? new URL(devServerUrl) : undefined;
  return (raw) => {
    let u: URL;
    try {
      u = new URL(raw);
    } catch {
      return false;
    }
    if (u.protocol === 'file:') return index.protocol === 'file:' && u.host === '' && u.pathname === index.pathname;
    return dev !== undefined && (u.protocol === 'http:' || u.protocol === 'https:') && u.origin === dev.origin;
  };
}
