/** The application menu: Open, Open package, Recent, Quit (plus the standard Edit/View roles). */
import { Menu, type MenuItemConstructorOptions } from 'electron';
import { basename } from 'node:path';

export interface MenuHandlers {
  openModel(): void;
  openPackage(): void;
  openRecent(path: string): void;
  recent(): string[];
}

export function buildMenu(h: MenuHandlers) {
  const recent = h.recent().filter(Boolean);
  const template: MenuItemConstructorOptions[] = [
    {
      label: 'File',
      submenu: [
        { label: 'Open…', accelerator: 'CmdOrCtrl+O', click: () => h.openModel() },
        { label: 'Open package…', accelerator: 'CmdOrCtrl+Shift+O', click: () => h.openPackage() },
        {
          label: 'Recent',
          submenu: recent.length
            ? recent.map((p) => ({ label: basename(p), toolTip: p, click: () => h.openRecent(p) }))
            : [{ label: 'No recent models', enabled: false }],
        },
        { type: 'separator' },
        { role: 'quit' },
      ],
    },
    { role: 'editMenu' },
    {
      label: 'View',
      submenu: [
        { role: 'resetZoom' },
        { role: 'zoomIn' },
        { role: 'zoomOut' },
        { type: 'separator' },
        { role: 'togglefullscreen' },
      ],
    },
  ];
  return Menu.buildFromTemplate(template);
}
