import type { CriterionThreshold } from '../settings/settings.js';
import { criterionName } from '../evals-api/records.js';

/** A criterion of an eval as its definition names it: the grader's name, and its id when the server gives one. */
export interface KnownCriterion {
  name: string;
  id?: string | null;
}

/**
 * The `criteria-thresholds` names that match no criterion of the eval, known before a run costs
 * anything. A threshold names a criterion as the analysis matches it: by name, by full grader id
 * (`name-uuid`), or as `name/metric`, one metric of a grader that reports several (Azure's), whose
 * metrics are known only from its results.
 */
export function unknownThresholdNames(thresholds: readonly CriterionThreshold[], criteria: readonly KnownCriterion[]): string[] {
  const names = new Set(criteria.map((criterion) => criterion.name));
  const ids = new Set(criteria.map((criterion) => criterion.id).filter((id): id is string => Boolean(id)));
  const known = (threshold: string): boolean => {
    if (names.has(threshold) || ids.has(threshold) || names.has(criterionName(threshold))) return true;
    const slash = threshold.indexOf('/');
    return slash > 0 && names.has(threshold.slice(0, slash));
  };
  return thresholds.map((threshold) => threshold.name).filter((name) => !known(name));
}

/** What to say about them, for an input error of `criteria-thresholds`. */
export function describeUnknownThresholds(unknown: readonly string[], criteria: readonly KnownCriterion[], where: string): string {
  const listed = unknown.map((name) => `"${name}"`).join(', ');
  const names = criteria.map((criterion) => `"${criterion.name}"`).join(', ') || 'none';
  return `${listed} ${unknown.length === 1 ? 'is not a criterion' : 'are not criteria'} of ${where} (its criteria: ${names}).`;
}
