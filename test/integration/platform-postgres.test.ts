/** The platform suite on PostgreSQL: a throwaway cluster started for this file. */
import { startPostgres, type PostgresCluster } from '../fixtures/postgres.js';
import { platformSuite } from './platform-suite.js';

let pg: PostgresCluster | undefined;
platformSuite({
  name: 'PostgreSQL',
  setup: async () => {
    pg = await startPostgres();
  },
  database: () => ({ postgres: pg!.createDatabase() }),
  teardown: () => {
    pg?.remove();
    return Promise.resolve();
  },
});
