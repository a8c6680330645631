import { fingerprint } from '../shared/fingerprint.js';
import type { RemoteEvalDefinition } from './ensure-eval.js';

/**
 * The fingerprint that ties a remote eval to the definition it was made from (kept in the eval's
 * metadata). The same definition gives the same fingerprint whatever the order of its object keys; any
 * change to what would be sent to `POST /evals` gives another, so a changed definition makes a new eval
 * instead of silently reusing an old one.
 *
 * All four parts of the create request count:
 * - `data_source_config` and `testing_criteria` decide how items are graded. The order of the criteria
 *   counts too: it is the order of the run's per-criterion results and of the reports.
 * - `name` is how a person tells evals apart in the dashboard and in the reports. Two eval files with
 *   the same criteria but different names are two evals to their users; one eval shared between them
 *   would show one name for both, and a rename would never reach the server.
 * - `metadata` is sent with the create: the remote eval should say what the file says. A metadata-only
 *   change making a new eval is visible (the action says it created one); a stale eval would not be.
 * An empty `metadata` is the same as none. Fields outside the create format are left out.
 *
 * 16 hex digits (64 bits) are plenty: a new definition matches one of 10,000 others by accident with a
 * chance near 1 in 10^15, and the file's author controls both sides of any deliberate match.
 */
export function evalDefinitionFingerprint(definition: RemoteEvalDefinition): string {
  const metadata = definition.metadata && Object.keys(definition.metadata).length > 0 ? definition.metadata : undefined;
  return fingerprint({
    name: definition.name,
    data_source_config: definition.data_source_config,
    testing_criteria: definition.testing_criteria,
    metadata,
  });
}
