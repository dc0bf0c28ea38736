/** The platform suite on the embedded default: SQLite. */
import { platformSuite } from './platform-suite.js';

platformSuite({ name: 'SQLite', database: () => undefined });
