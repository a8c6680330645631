import { createHash } from 'node:crypto';
import type { ModelClient } from '../../models/model-client.js';
import { fingerprint } from '../../shared/fingerprint.js';
import { checkGraderTypes, type EvalDefinition } from '../definition.js';
import type { Grader } from './grader.js';
import { createLabelModelGrader, createScoreModelGrader } from './model-graders.js';
import { createPythonGrader } from './python-grader.js';
import { createStringCheckGrader } from './string-check.js';
import { createTextSimilarityGrader } from './text-similarity.js';

export interface GraderDependencies {
  /** The judge/embeddings endpoint, made on first use: evals without model graders never need one. */
  models: () => ModelClient;
  pythonTimeoutMs?: number;
}

/**
 * Builds every testing criterion of an eval. Every type is checked before any grader is built, so an
 * unsupported one is reported before anything else happens; each grader then checks its own fields.
 */
export function createGraders(definition: EvalDefinition, dependencies: GraderDependencies, where = 'testing_criteria'): Grader[] {
  checkGraderTypes(definition, where);
  return definition.testing_criteria.map((criterion, index) => {
    const at = `${where}[${index}] ("${criterion.name}")`;
    const id = criterionId(criterion, index);
    switch (criterion.type) {
      case 'string_check':
        return createStringCheckGrader(criterion, id, at);
      case 'text_similarity':
        return createTextSimilarityGrader(criterion, id, at, dependencies.models);
      case 'label_model':
        return createLabelModelGrader(criterion, { id, modelClient: dependencies.models(), where: at });
      case 'score_model':
        return createScoreModelGrader(criterion, { id, modelClient: dependencies.models(), where: at });
      default:
        return createPythonGrader(criterion, { id, timeoutMs: dependencies.pythonTimeoutMs, where: at });
    }
  });
}

/**
 * `"<name>-<uuid>"` as the API names criteria, with a uuid derived from the criterion itself: the same
 * definition gives the same ids run after run, so thresholds and baselines keep matching.
 */
export function criterionId(criterion: Record<string, unknown>, index: number): string {
  const hex = createHash('sha256').update(`${index}\n${fingerprint(criterion)}`).digest('hex');
  const uuid = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${((parseInt(hex.charAt(16), 16) & 3) | 8).toString(16)}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
  return `${String(criterion.name)}-${uuid}`;
}
