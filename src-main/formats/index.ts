export * from './types.js';
export { inspect, type InspectOptions } from './inspect.js';
export { ModelFile, withModelFile, MAX_WINDOW } from './file.js';
