/**
 * Opens a URL in the default browser, best effort, and says what happened: `open` on macOS,
 * `start` on Windows, `xdg-open` elsewhere — there only in a graphical session, because without
 * one xdg-open falls back to a text browser that would take over this terminal. Never throws.
 */
import { spawn } from 'node:child_process';

export type LaunchPlan =
  { ok: true; command: string; args: string[]; verbatim?: boolean } | { ok: false; reason: string };

export interface Opened {
  opened: boolean;
  /** One sentence: how it was opened, or why not. */
  message: string;
}

/** A launcher that has not failed within this time is taken to have opened the page. */
const SETTLE_MS = 3000;

export function planBrowserLaunch(url: string, platform: NodeJS.Platform, env: NodeJS.ProcessEnv): LaunchPlan {
  if (platform === 'darwin') return { ok: true, command: 'open', args: [url] };
  // `start` is a cmd built-in; its first quoted argument is the window title. The URL is ours
  // (loopback, base64url token): no quote or shell metacharacter to escape.
  if (platform === 'win32')
    return { ok: true, command: 'cmd.exe', args: ['/d', '/s', '/c', `start "" "${url}"`], verbatim: true };
  if (!env.DISPLAY && !env.WAYLAND_DISPLAY) return { ok: false, reason: 'there is no graphical session here' };
  return { ok: true, command: 'xdg-open', args: [url] };
}

export function openBrowser(
  url: string,
  opts: { platform?: NodeJS.Platform; env?: NodeJS.ProcessEnv } = {},
): Promise<Opened> {
  const env = opts.env ?? process.env;
  const plan = planBrowserLaunch(url, opts.platform ?? process.platform, env);
  if (!plan.ok) return Promise.resolve({ opened: false, message: `No browser opened: ${plan.reason}.` });
  return new Promise((resolve) => {
    let settled = false;
    const settle = (o: Opened) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      child.unref();
      resolve(o);
    };
    const child = spawn(plan.command, plan.args, {
      detached: true,
      stdio: 'ignore',
      env,
      windowsHide: true,
      ...(plan.verbatim ? { windowsVerbatimArguments: true } : {}),
    });
    const timer = setTimeout(
      () => settle({ opened: true, message: `Opened in your browser (${plan.command}).` }),
      SETTLE_MS,
    );
    child.once('error', (e: NodeJS.ErrnoException) =>
      settle({
        opened: false,
        message: `No browser opened: ${e.code === 'ENOENT' ? `${plan.command} is not installed` : `${plan.command} failed (${e.code ?? e.message})`}.`,
      }),
    );
    child.once('exit', (code) =>
      settle(
        code === 0
          ? { opened: true, message: `Opened in your browser (${plan.command}).` }
          : { opened: false, message: `No browser opened: ${plan.command} exited with ${code ?? 'a signal'}.` },
      ),
    );
  });
}
