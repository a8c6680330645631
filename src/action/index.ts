// First of all (see relaunch-first.ts): the step's process replaces itself with one whose environment
// holds no input and no runner token, so that no process it starts (a python grader) can read them
// from /proc/<pid>/environ. The same pid goes on; the inputs come back through a private file.
import { relaunchError } from './relaunch-first.js';
import * as core from '@actions/core';
import { run } from './main.js';
import { runPost } from './post.js';
import { STATE } from './state.js';

// One bundle serves both steps (as in actions/checkout): the main step leaves a mark in the state,
// which the runner hands to the post step as STATE_isPost.
if (relaunchError) {
  // The inputs were lost on the way: nothing can run without them.
  core.setFailed(relaunchError.message);
} else if (core.getState(STATE.isPost) === 'true') {
  await runPost();
} else {
  core.saveState(STATE.isPost, 'true');
  await run();
}
