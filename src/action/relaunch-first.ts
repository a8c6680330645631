// Imported first by the action's entry (index.ts), so that it runs before any other module of the
// bundle is evaluated: the first image does little more than re-exec, and the action's code starts
// once, in the image whose environment holds no secret and whose V8 runs with the action's flags.
import { missingNodeFlags, NODE_FLAGS } from '../shared/node-flags.js';
import { relaunch } from '../shared/relaunch.js';

/** Why the inputs could not be handed over (the entry reports it and stops), or null. */
export const relaunchError: Error | null = (() => {
  try {
    relaunch({ execArgv: missingNodeFlags(NODE_FLAGS) });
    return null;
  } catch (error) {
    return error instanceof Error ? error : new Error(String(error));
  }
})();
