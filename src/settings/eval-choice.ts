import { checkRunsLocally, type EvalDefinition, parseEvalDefinition } from '../engine/definition.js';
import { checkGraderTemplates } from '../engine/template-fields.js';
import { EVAL_FINGERPRINT_KEY, type RemoteEvalDefinition } from '../evals-api/ensure-eval.js';
import { evalDefinitionFingerprint } from '../evals-api/eval-definition-fingerprint.js';
import { METADATA_MAX_KEY_CHARS, METADATA_MAX_KEYS, METADATA_MAX_VALUE_CHARS } from '../evals-api/metadata-limits.js';
import { asInputError, InputError } from './input-error.js';
import { parseChoice } from './input-parsers.js';
import type { EngineKind, EvalChoice, InputReader, InputSource } from './settings.js';
import { readWorkspaceFile } from './workspace-files.js';

/** `eval-id`, `eval-file` and `engine`, checked together. */
export function readEvalChoice(source: InputSource, workspace: string): { engine: EngineKind; eval: EvalChoice } {
  const { read } = source;
  const evalId = read('eval-id').trim();
  const evalFile = read('eval-file').trim();
  if (evalId && evalFile) {
    throw new InputError('eval-file', 'set either "eval-id" (an eval on the Evals API) or "eval-file" (an eval definition in the repository), not both.');
  }
  if (!evalId && !evalFile) {
    throw new InputError('eval-id', 'required: "eval-id" (an eval on the Evals API, eval_…) or "eval-file" (an eval definition in the repository).');
  }
  const engine = parseChoice('engine', read('engine') || (evalId ? 'remote' : 'local'), ['remote', 'local'] as const);
  if (evalId) {
    readEvalId(read);
    if (engine === 'local') {
      throw new InputError(
        'engine',
        `the local engine runs an "eval-file", not an eval on a server. Write ${evalId} into the repository first: npx evals-gate export --eval-id ${evalId} --out evals/`,
      );
    }
    return { engine, eval: { kind: 'id', evalId } };
  }
  const file = readWorkspaceFile('eval-file', workspace, evalFile);
  let definition: EvalDefinition;
  try {
    definition = parseEvalDefinition(file.text, evalFile);
    checkGraderTemplates(definition, { where: `${evalFile}: testing_criteria` });
    if (engine === 'local') checkRunsLocally(definition, evalFile);
    else checkEvalMetadata(definition, evalFile);
  } catch (error) {
    throw asInputError('eval-file', error);
  }
  return { engine, eval: { kind: 'file', path: evalFile, definition, fingerprint: evalDefinitionFingerprint(definition) } };
}

/** The id the local engine gives an eval: the same definition has the same id in every job. */
export function localEvalId(choice: Extract<EvalChoice, { kind: 'file' }>): string {
  return `eval_local_${choice.fingerprint}`;
}

/** `eval-id`, checked: required, and shaped like an id. */
export function readEvalId(read: InputReader): string {
  const evalId = read('eval-id').trim();
  if (!evalId) throw new InputError('eval-id', 'required: the id of the eval to run (eval_…).');
  if (/[\s/?#]/.test(evalId)) throw new InputError('eval-id', `${JSON.stringify(evalId)} is not an eval id.`);
  return evalId;
}

/**
 * An eval-file's metadata, checked against the API's limits with room for the fingerprint the action
 * adds (ensure-eval.ts), before anything is sent.
 */
export function checkEvalMetadata(definition: RemoteEvalDefinition, file: string): void {
  const user = definition.metadata ?? {};
  const where = `${file}: "metadata"`;
  if (Object.hasOwn(user, EVAL_FINGERPRINT_KEY)) {
    throw new InputError('eval-file', `${where} has the key "${EVAL_FINGERPRINT_KEY}", which the action keeps for the definition's fingerprint; remove it.`);
  }
  const keys = Object.keys(user);
  if (keys.length >= METADATA_MAX_KEYS) {
    throw new InputError(
      'eval-file',
      `${where} has ${keys.length} keys; an eval takes at most ${METADATA_MAX_KEYS}, and the action needs one of them ("${EVAL_FINGERPRINT_KEY}") ` +
        `to find this eval again. Remove at least ${keys.length - METADATA_MAX_KEYS + 1}.`,
    );
  }
  for (const [key, value] of Object.entries(user)) {
    if (key.length > METADATA_MAX_KEY_CHARS) {
      throw new InputError('eval-file', `${where}: key "${key.slice(0, 20)}…" is ${key.length} characters; the API allows ${METADATA_MAX_KEY_CHARS}.`);
    }
    if (typeof value !== 'string') {
      throw new InputError('eval-file', `${where}: the value of "${key}" must be a string; got ${value === null ? 'null' : typeof value}.`);
    }
    if (value.length > METADATA_MAX_VALUE_CHARS) {
      throw new InputError('eval-file', `${where}: the value of "${key}" is ${value.length} characters; the API allows ${METADATA_MAX_VALUE_CHARS}.`);
    }
  }
}

