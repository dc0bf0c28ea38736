/** The device agent: TUF refresh (tuf-js), download, A/B slots, health check, rollback, status reports. */
export { Agent, MAX_ATTEMPTS, readDeviceFacts, type AgentOptions, type CycleResult, type UpdateStep } from './agent.js';
export {
  isNetworkFault,
  TufClient,
  TokenFetcher,
  tufError,
  writeFileDurable,
  type FetchLike,
  type TufOptions,
} from './tuf.js';
export { CURRENT, SLOTS, currentPath, readCurrent } from './slots.js';
export { loadState, STATE_FILE, type AgentState, type Installed } from './state.js';
export { runCommand, type CommandResult } from './process.js';
