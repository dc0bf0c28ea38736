/** Preload: exposes one function per Studio operation (filled in by the Studio issue). */
import { contextBridge } from 'electron';

contextBridge.exposeInMainWorld('fleetpack', { version: '0.1.0' });
