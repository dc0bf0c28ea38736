export type * from './contract.js';
export { OPERATIONS, channelOf } from './contract.js';
export { StudioSession, type SessionOptions } from './session.js';
export { SessionPool, type PooledSession } from './sessions.js';
export { toStudioError } from './errors.js';
