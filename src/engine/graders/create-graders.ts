import { createHash } from 'node:crypto';
import type { ModelClient } from '../../models/model-client.js';
import { fingerprint } from '../../shared/fingerprint.js';
import { checkGraderTypes, type EvalDefinition, type LocalGraderType } from '../definition.js';
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

/** What a grader's factory gets besides its criterion: its id, where it is (for errors), and what it may use. */
export interface GraderContext {
  id: string;
  /** e.g. `evals/support.yaml: testing_criteria[1] ("Mentions refund")`, for errors. */
  where: string;
  dependencies: GraderDependencies;
}

type GraderFactory = (criterion: EvalDefinition['testing_criteria'][number], context: GraderContext) => Grader;

/**
 * Every grader type the local engine runs, and how to build it: the one place to add a type (its name
 * goes into LOCAL_GRADER_TYPES in definition.ts, and this record does not compile until it has a factory).
 */
const GRADERS: Record<LocalGraderType, GraderFactory> = {
  string_check: (criterion, { id, where }) => createStringCheckGrader(criterion, id, where),
  text_similarity: (criterion, { id, where, dependencies }) => createTextSimilarityGrader(criterion, id, where, dependencies.models),
  label_model: (criterion, { id, where, dependencies }) => createLabelModelGrader(criterion, { id, modelClient: dependencies.models(), where }),
  score_model: (criterion, { id, where, dependencies }) => createScoreModelGrader(criterion, { id, modelClient: dependencies.models(), where }),
  python: (criterion, { id, where, dependencies }) => createPythonGrader(criterion, { id, timeoutMs: dependencies.pythonTimeoutMs, where }),
};

/**
 * Builds every testing criterion of an eval. Every type is checked before any grader is built, so an
 * unsupported one is reported before anything else happens; each grader then checks its own fields.
 */
export function createGraders(definition: EvalDefinition, dependencies: GraderDependencies, where = 'testing_criteria'): Grader[] {
  checkGraderTypes(definition, where);
  return definition.testing_criteria.map((criterion, index) => {
    const factory = GRADERS[criterion.type as LocalGraderType];
    return factory(criterion, { id: criterionId(criterion, index), where: `${where}[${index}] ("${criterion.name}")`, dependencies });
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
