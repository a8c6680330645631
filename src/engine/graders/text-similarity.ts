import type { ModelClient } from '../../models/model-client.js';
import { EvalDefinitionError } from '../definition-error.js';
import { compileTemplate } from '../template.js';
import type { Grader } from './grader.js';
import { TEXT_SIMILARITY_METRICS, cosineSimilarity, textSimilarityScorer, type TextSimilarityMetric } from './text-similarity-metrics.js';

/** The embeddings model behind `cosine`: the Evals API does not let a grader choose one. */
export const COSINE_EMBEDDING_MODEL = 'text-embedding-3-large';

/** The `text_similarity` grader: the score of one metric, passing at `pass_threshold` or above. */
export function createTextSimilarityGrader(config: Record<string, unknown>, id: string, where: string, models: () => ModelClient): Grader {
  const name = String(config.name);
  for (const field of ['input', 'reference'] as const) {
    if (typeof config[field] !== 'string') throw new EvalDefinitionError(where, `the text_similarity grader needs "${field}" (a template).`);
  }
  const metric = config.evaluation_metric as TextSimilarityMetric;
  if (!(TEXT_SIMILARITY_METRICS as readonly string[]).includes(metric)) {
    throw new EvalDefinitionError(where, `"evaluation_metric" must be one of ${TEXT_SIMILARITY_METRICS.join(', ')}; got ${JSON.stringify(config.evaluation_metric)}.`);
  }
  const threshold = config.pass_threshold;
  if (typeof threshold !== 'number' || !Number.isFinite(threshold)) {
    throw new EvalDefinitionError(where, `"pass_threshold" must be a number (the lowest passing score, e.g. 0.8); got ${JSON.stringify(threshold)}.`);
  }
  const renderInput = compileTemplate(config.input as string);
  const renderReference = compileTemplate(config.reference as string);
  // Only cosine needs a model; the client is made on first use so that text metrics never need a key.
  const client = metric === 'cosine' ? models() : null;
  const scoreTexts = metric === 'cosine' ? null : textSimilarityScorer(metric);
  return {
    id,
    name,
    type: 'text_similarity',
    async grade(scope, signal) {
      const input = renderInput(scope);
      const reference = renderReference(scope);
      let score: number;
      if (scoreTexts) {
        score = scoreTexts(input, reference);
      } else {
        const [a, b] = await (client as ModelClient).createEmbeddings({ model: COSINE_EMBEDDING_MODEL, input: [input, reference] }, signal);
        score = cosineSimilarity(a ?? [], b ?? []);
      }
      return { score, passed: score >= threshold };
    },
  };
}
