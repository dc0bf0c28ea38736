/**
 * Electron main process: one hardened window showing the renderer, the StudioApi served over
 * sender-checked IPC, native dialogs, and the menu. Everything it does is delegated to the
 * StudioSession (src-main/studio); this file only adapts it to Electron.
 */
import { app, BrowserWindow, dialog, Menu, session as electronSession, type FileFilter } from 'electron';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { OPERATIONS, channelOf, type FilePurpose, type Result } from '../studio/contract.js';
import { StudioSession } from '../studio/index.js';
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

/** Unset until the app is ready (it can quit before that). */
let studio: StudioSession | undefined;
let win: BrowserWindow | undefined;
let recent: RecentFiles;

const wrap = <T>(fn: () => Promise<T>): Promise<Result<T>> => studio!.wrap(fn);

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
    handle(channelOf(op), trusted, ((args: unknown) => studio!.call(op, args)) as never);
  }
  // The page is untrusted: its arguments are whatever it sent, whatever the channel's type says.
  handle('app:dropFile', trusted, (a: { path?: unknown }) => wrap(() => openPath(String(a.path))));
  handle('app:chooseFile', trusted, (a) =>
    wrap(async () => {
      const purpose = a.purpose in FILTERS ? a.purpose : 'model';
      const r = await dialog.showOpenDialog(win!, { properties: ['openFile'], filters: FILTERS[purpose] });
      if (r.canceled || !r.filePaths[0]) return null;
      return purpose === 'model' ? openPath(r.filePaths[0]) : studio!.files.addFile(r.filePaths[0]);
    }),
  );
  handle('app:chooseFolder', trusted, () =>
    wrap(async () => {
      const r = await dialog.showOpenDialog(win!, { properties: ['openDirectory'] });
      if (r.canceled || !r.filePaths[0]) return null;
      return studio!.files.addFolder(r.filePaths[0]);
    }),
  );
  handle('app:chooseSaveFolder', trusted, () =>
    wrap(async () => {
      const r = await dialog.showOpenDialog(win!, {
        properties: ['openDirectory', 'createDirectory'],
        buttonLabel: 'Save here',
      });
      return r.canceled || !r.filePaths[0] ? null : r.filePaths[0];
    }),
  );
}

async function openPath(path: string) {
  const ref = await studio!.files.addFile(path);
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
        void openPath(p)
          .then((file) => win && send(win.webContents, 'app:menu', { action: 'open-model', file }))
          .catch(() => {}),
    }),
  );
}

async function menuOpenModel(): Promise<void> {
  if (!win) return;
  const r = await dialog.showOpenDialog(win, { properties: ['openFile'], filters: FILTERS.model });
  if (r.canceled || !r.filePaths[0]) return;
  const file = await openPath(r.filePaths[0]);
  send(win.webContents, 'app:menu', { action: 'open-model', file });
}

async function menuOpenPackage(): Promise<void> {
  if (!win) return;
  const r = await dialog.showOpenDialog(win, { properties: ['openDirectory'] });
  if (r.canceled || !r.filePaths[0]) return;
  const folder = await studio!.files.addFolder(r.filePaths[0]);
  send(win.webContents, 'app:menu', { action: 'open-package', folder });
}

function createWindow(): void {
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
  const unsubscribe = studio!.jobs.onEvent((e) => win && send(win.webContents, 'studio:job-event', e));
  win.on('closed', () => {
    unsubscribe();
    win = undefined;
  });
  win.once('ready-to-show', () => win?.show());
  if (DEV_URL && !app.isPackaged) void win.loadURL(DEV_URL);
  else void win.loadFile(RENDERER_INDEX);
}

app.enableSandbox();
void app.whenReady().then(async () => {
  studio = await StudioSession.create();
  recent = new RecentFiles(app.getPath('userData'));
  harden();
  registerIpc();
  refreshMenu();
  createWindow();
  void studio.warmUp().catch(() => {});
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) createWindow();
  });
});
app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit();
});
app.on('will-quit', () => void studio?.dispose());
