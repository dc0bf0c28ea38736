/**
 * Rewrites the golden TUF repository (tuf-conformance static_data layout) under
 * test/conformance/tuf-static/fleetpack-platform/ with the current code. Run after an intended
 * change of the metadata format, inside the service wrapper (it uses the keychain):
 *   bash test/tools/with-services.sh npx tsx test/tools/tuf-golden.ts
 */
import { generateGolden, GOLDEN_DIR, writeGolden } from '../fixtures/tuf-golden.js';

writeGolden(await generateGolden());
console.log(`wrote ${GOLDEN_DIR}`);
