// The Evals API fake as the integration tests use it (test/integration/evals-*.test.ts, azure-*.test.ts):
// started per test and closed after it, with the clients that talk to it.
import OpenAI from 'openai';
import type { EndpointAuth, EndpointSettings } from '../../src/settings/settings.ts';
import {
  type FakeEvalsApi,
  type FakeEvalsOptions,
  type JsonlRow,
  type ProgressOptions,
  startEvalsApi,
  type StringCheckCriterion,
} from '../fakes/evals-api.ts';
import { useClosers } from './closers.ts';

export type RunDataSource = OpenAI.Evals.RunCreateParams['data_source'];

/** Progress that completes a run on its first poll. */
export const instant: ProgressOptions = { queuedPolls: 0, inProgressPolls: 0 };

/** A string_check grader `name`: the sample's output text equals the item's `expected`. */
export function exactCriterion(name: string): StringCheckCriterion {
  return { type: 'string_check', name, input: '{{sample.output_text}}', reference: '{{item.expected}}', operation: 'eq' };
}

/**
 * Call at the top level of a test file: returns `start`, which starts an Evals API fake with `defaults`
 * and then `options`, closed after the test.
 */
export function useEvalsFake(defaults: FakeEvalsOptions = {}): (options?: FakeEvalsOptions) => Promise<FakeEvalsApi> {
  const track = useClosers();
  return async (options = {}) => {
    const fake = await startEvalsApi({ ...defaults, ...options });
    track(() => fake.close());
    return fake;
  };
}

/** The real openai SDK on the fake: no retries unless asked, a 10 s timeout. */
export function sdk(f: FakeEvalsApi, options: { maxRetries?: number; timeout?: number; apiKey?: string } = {}): OpenAI {
  return new OpenAI({ apiKey: options.apiKey ?? f.apiKey, baseURL: f.url, maxRetries: options.maxRetries ?? 0, timeout: options.timeout ?? 10_000 });
}

/** An inline jsonl data source of `rows`. */
export function jsonl(rows: JsonlRow[]): RunDataSource {
  return { type: 'jsonl', source: { type: 'file_content', content: rows } };
}

/** The action's endpoint settings for the fake: the fake's own key as a bearer token unless `auth` says otherwise. */
export function evalsEndpoint(
  f: FakeEvalsApi,
  auth: EndpointAuth = { kind: 'key', apiKey: f.apiKey, header: 'authorization' },
  extra: Partial<EndpointSettings> = {},
): EndpointSettings {
  return { baseURL: f.url, auth, organization: null, project: null, extraHeaders: {}, extraQuery: {}, ...extra };
}
