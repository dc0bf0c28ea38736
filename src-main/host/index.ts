export { startHost, type HostOptions, type RunningHost } from './server.js';
export { checkHost, checkOrigin, checkToken, SECURITY_HEADERS } from './security.js';
