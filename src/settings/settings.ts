// The settings' types, and nothing else: every layer may read them, so this module imports no code of
// the project (types only), and no layer depends on how inputs are read.
import type { EvalDefinition } from '../engine/definition.js';

/** Every input, parsed and validated in one place. */
export interface Settings {
  /** The eval's id; empty until found or created when an eval-file goes to the remote engine. */
  evalId: string;
  /** Who answers the Evals API: the endpoint at `base-url`, or the engine inside this job. */
  engine: EngineKind;
  /** The eval as the inputs name it: an id, or a definition in the repository. */
  evalChoice: EvalChoice;
  /** The local engine's model endpoint, when the eval calls a model. */
  models: ModelEndpointSettings | null;
  /** Items the local engine evaluates at once. */
  concurrency: number;
  endpoint: EndpointSettings;
  dataSource: DataSource;
  runName: string;
  /** The run's metadata: the git context keys, the user's keys and the attempt token. */
  metadata: Record<string, string>;
  /** Identifies this workflow attempt's run, so a retried create never makes a second one. */
  attemptToken: string;
  threshold: number;
  criteriaThresholds: CriterionThreshold[];
  timeoutMs: number;
  pollIntervalMs: number;
  comment: boolean;
  commentKey: string;
  githubToken: string;
  reportItems: number;
  showItemContent: boolean;
  /** What the run is compared with: found among the eval's runs or the kept records, a given run or file, or nothing. */
  baseline: BaselineChoice;
  /** The branch whose runs are baselines; null when there is none to compare with (a tag, say). */
  baselineRef: string | null;
  maxRegressions: number | null;
  maxScoreDrop: ScoreDrop | null;
  minSignificance: number | null;
  /** Runs of the branch shown in the trend of push and schedule runs. */
  history: number;
  issueOnFailure: boolean;
  /** The artifact name this run's results record is kept under (`results-artifact`); null: none is kept. */
  resultsArtifact: string | null;
}

/** How requests to the Evals API authenticate. */
export type EndpointAuth =
  /** A key, sent as `Authorization: Bearer KEY` or as `api-key: KEY` (Azure). */
  | { kind: 'key'; apiKey: string; header: 'authorization' | 'api-key' }
  /** Entra ID tokens obtained with the job's GitHub OIDC token (workload identity federation). */
  | { kind: 'entra'; tenantId: string; clientId: string; scope: string; authorityHost: string };

export interface EndpointSettings {
  /** Without a query: `base-url`'s query is in `extraQuery`, so a URL in a message never shows it. */
  baseURL: string;
  auth: EndpointAuth;
  organization: string | null;
  project: string | null;
  /** Sent with every request (`extra-headers`). */
  extraHeaders: Record<string, string>;
  /** Added to every request's query (`extra-query`, and `base-url`'s own query). */
  extraQuery: Record<string, string>;
}

export type BaselineChoice =
  | { kind: 'auto' }
  | { kind: 'none' }
  | { kind: 'run'; runId: string }
  /** A record or results file in the workspace: `path` is checked and absolute, `label` as given. */
  | { kind: 'file'; path: string; label: string };

/** The eval to run: one on the server, or a definition in the repository. */
export type EvalChoice =
  | { kind: 'id'; evalId: string }
  | { kind: 'file'; path: string; definition: EvalDefinition; fingerprint: string };

export type EngineKind = 'remote' | 'local';

/** The OpenAI-compatible endpoint the local engine samples and judges with. */
export interface ModelEndpointSettings {
  /** Without a query: `model-base-url`'s query is in `query`. */
  baseURL: string;
  apiKey: string;
  /** Sent with every request (`model-base-url`'s query, e.g. `api-version` or a key). */
  query: Record<string, string>;
}

export interface CriterionThreshold {
  /** A criterion name, or a full grader id (`name-uuid`). */
  name: string;
  min: number;
}

/** An allowed score drop: `2` is 2 points (0.02 of the score), `2%` is 2% of the baseline's score. */
export interface ScoreDrop {
  unit: 'points' | 'percent';
  /** Points as a fraction of the score (2 points → 0.02), or a fraction of the baseline score (2% → 0.02). */
  value: number;
}

/** A run's `data_source` as the API takes it. Kept loose: the server validates it against the eval. */
export type DataSource = Record<string, unknown> & { type: string };

export type InputReader = (name: string) => string;

/** Where inputs come from, and what to do with a secret as soon as it is read. */
export interface InputSource {
  read: InputReader;
  env: NodeJS.ProcessEnv;
  /** Called with every secret value before anything else happens to it (the action masks it in the log). */
  mask: (secret: string) => void;
}
