export type * from './contract.js';
export { OPERATIONS, channelOf } from './contract.js';
export { StudioSession, type SessionOptions } from './session.js';
export { toStudioError } from './errors.js';
export { safeName } from './files.js';
