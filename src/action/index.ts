import * as core from '@actions/core';
import { run } from './main.js';
import { runPost } from './post.js';
import { STATE } from './state.js';

// One bundle serves both steps (as in actions/checkout): the main step leaves a mark in the state,
// which the runner hands to the post step as STATE_isPost.
if (core.getState(STATE.isPost) === 'true') {
  await runPost();
} else {
  core.saveState(STATE.isPost, 'true');
  await run();
}
