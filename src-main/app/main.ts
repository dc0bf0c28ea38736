/**
 * Electron main process: one hardened window showing the renderer, the StudioApi served over
 * sender-checked IPC, native dialogs, and the menu. Everything it does is delegated to the
 * StudioSession (src-main/studio); this file only adapts it to Electron.
 */
import {
  app,
  BrowserWindow,
  dialog,
  Menu,
  session as electronSession,
  type FileFilter,
  type IpcMainInvokeEvent,
  type WebContents,
} from 'electron';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { OPERATIONS, channelOf, type FilePurpose, type Result } from '../studio/contract.js';
import { SessionPool, StudioSession, toStudioError, type PooledSession } from '../studio/index.js';
import { handle, send, trustedRenderer } from './ipc.js';
import { buildMenu } from './menu.js';
import { RecentFiles } from './recent.js';

const RENDERER_INDEX = join(import.meta.dirname, '../renderer/index.html');
const PRELOAD = join(import.meta.dirname, '../preload/index.cjs');
const ICON = join(import.meta.dirname, '../../resources/icon.png');
const DEV_URL = process.env.ELECTRON_RENDERER_URL;

/** Same policy as the renderer's meta tag; set as a header too so it also covers the dev server. */
const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const FILTERS: Record<FilePurpose, FileFilter[]> = {
  model: [
    { name: 'Models', extensions: ['onnx', 'tflite', 'engine', 'plan', 'trt'] },
    { name: 'All files', extensions: ['*'] },
  ],
  companion: [{ name: 'ONNX or Triton config', extensions: ['onnx', 'pbtxt'] }],
  metrics: [{ name: 'Metrics', extensions: ['json', 'csv', 'yaml', 'yml', 'md'] }],
  sbom: [{ name: 'SBOM', extensions: ['json', 'xml', 'spdx', 'jsonld'] }],
  inventory: [{ name: 'Inventory', extensions: ['json', 'ndjson', 'jsonl', 'csv'] }],
};

/** One session per window (its own handles, draft and jobs), ended when the window closes. */
const sessions = new SessionPool();
const windowSessions = new Map<number, PooledSession>();
let win: BrowserWindow | undefined;
let recent: RecentFiles;

/** The session of the window that sent the message (a window without one gets SESSION_ENDED). */
const studioOf = (sender: WebContents): StudioSession => sessions.get(windowSessions.get(sender.id)?.id).session;

function wrap<T>(event: IpcMainInvokeEvent, fn: (studio: StudioSession) => Promise<T>): Promise<Result<T>> {
  try {
    const studio = studioOf(event.sender);
    return studio.wrap(() => fn(studio));
  } catch (e) {
    return Promise.resolve({ ok: false, error: toStudioError(e) });
  }
}

function harden(): void {
  const ses = electronSession.defaultSession;
  ses.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  ses.setPermissionCheckHandler(() => false);
  ses.webRequest.onHeadersReceived((details, callback) => {
    callback({
      responseHeaders: {
        ...details.responseHeaders,
        'Content-Security-Policy': [CSP],
        'X-Content-Type-Options': ['nosniff'],
      },
    });
  });
  app.on('web-contents-created', (_e, contents) => {
    contents.on('will-navigate', (event) => event.preventDefault());
    contents.on('will-redirect', (event) => event.preventDefault());
    contents.on('will-attach-webview', (event) => event.preventDefault());
    contents.setWindowOpenHandler(() => ({ action: 'deny' }));
  });
}

function registerIpc(): void {
  const trusted = trustedRenderer(pathToFileURL(RENDERER_INDEX).href, DEV_URL);
  for (const op of OPERATIONS) {
    handle(channelOf(op), trusted, ((args: unknown, event: IpcMainInvokeEvent) => {
      try {
        return studioOf(event.sender).call(op, args);
      } catch (e) {
        return Promise.resolve({ ok: false, error: toStudioError(e) });
      }
    }) as never);
  }
  // The page is untrusted: its arguments are whatever it sent, whatever the channel's type says.
  handle('app:dropFile', trusted, (a: { path?: unknown }, event) =>
    wrap(event, (studio) => openPath(studio, String(a.path))),
  );
  handle('app:chooseFile', trusted, (a, event) =>
    wrap(event, async (studio) => {
      const purpose = a.purpose in FILTERS ? a.purpose : 'model';
      const r = await dialog.showOpenDialog(win!, { properties: ['openFile'], filters: FILTERS[purpose] });
      if (r.canceled || !r.filePaths[0]) return null;
      return purpose === 'model' ? openPath(studio, r.filePaths[0]) : studio.files.addFile(r.filePaths[0]);
    }),
  );
  handle('app:chooseFolder', trusted, (_a, event) =>
    wrap(event, async (studio) => {
      const r = await dialog.showOpenDialog(win!, { properties: ['openDirectory'] });
      if (r.canceled || !r.filePaths[0]) return null;
      return studio.files.addFolder(r.filePaths[0]);
    }),
  );
  // A destination is a handle too: the page never sees the path the user chose.
  handle('app:chooseSaveFolder', trusted, (_a, event) =>
    wrap(event, async (studio) => {
      const r = await dialog.showOpenDialog(win!, {
        properties: ['openDirectory', 'createDirectory'],
        buttonLabel: 'Save here',
      });
      return r.canceled || !r.filePaths[0] ? null : studio.files.addFolder(r.filePaths[0]);
    }),
  );
}

async function openPath(studio: StudioSession, path: string) {
  const ref = await studio.files.addFile(path);
  recent.add(path);
  refreshMenu();
  return ref;
}

function refreshMenu(): void {
  Menu.setApplicationMenu(
    buildMenu({
      recent: () => recent.list(),
      openModel: () => void menuOpenModel(),
      openPackage: () => void menuOpenPackage(),
      openRecent: (p) =>
        void openPath(windowStudio()!, p)
          .then((file) => win && send(win.webContents, 'app:menu', { action: 'open-model', file }))
          .catch(() => {}),
    }),
  );
}

/** The session of the app's window (menu actions act on it). */
function windowStudio(): StudioSession | undefined {
  return win ? windowSessions.get(win.webContents.id)?.session : undefined;
}

async function menuOpenModel(): Promise<void> {
  const studio = windowStudio();
  if (!win || !studio) return;
  const r = await dialog.showOpenDialog(win, { properties: ['openFile'], filters: FILTERS.model });
  if (r.canceled || !r.filePaths[0]) return;
  const file = await openPath(studio, r.filePaths[0]);
  send(win.webContents, 'app:menu', { action: 'open-model', file });
}

async function menuOpenPackage(): Promise<void> {
  const studio = windowStudio();
  if (!win || !studio) return;
  const r = await dialog.showOpenDialog(win, { properties: ['openDirectory'] });
  if (r.canceled || !r.filePaths[0]) return;
  const folder = await studio.files.addFolder(r.filePaths[0]);
  send(win.webContents, 'app:menu', { action: 'open-package', folder });
}

async function createWindow(): Promise<void> {
  const pooled = await sessions.create();
  win = new BrowserWindow({
    width: 1280,
    height: 860,
    minWidth: 640,
    minHeight: 480,
    show: false,
    title: 'Fleetpack Studio',
    icon: ICON,
    webPreferences: {
      preload: PRELOAD,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      webviewTag: false,
      spellcheck: false,
      // Middle-click must not open links in new windows (Electronegativity AUXCLICK).
      disableBlinkFeatures: 'Auxclick',
    },
  });
  const contents = win.webContents;
  const id = contents.id;
  windowSessions.set(id, pooled);
  pooled.session.jobs.onEvent((e) => send(contents, 'studio:job-event', e));
  win.on('closed', () => {
    windowSessions.delete(id);
    void sessions.end(pooled.id);
    win = undefined;
  });
  win.once('ready-to-show', () => win?.show());
  if (DEV_URL && !app.isPackaged) void win.loadURL(DEV_URL);
  else void win.loadFile(RENDERER_INDEX);
}

app.enableSandbox();
void app.whenReady().then(async () => {
  recent = new RecentFiles(app.getPath('userData'));
  harden();
  registerIpc();
  refreshMenu();
  await createWindow();
  void StudioSession.warmUp().catch(() => {});
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) void createWindow();
  });
});
app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit();
});
app.on('will-quit', () => void sessions.endAll());
