import * as core from '@actions/core';
import type { InputSource } from '../settings/settings.js';

/** The runner's inputs and environment; every secret is masked through `mask` as soon as it is read. */
export function actionInputs(mask: (secret: string) => void = core.setSecret): InputSource {
  return { read: (name) => core.getInput(name), env: process.env, mask };
}
