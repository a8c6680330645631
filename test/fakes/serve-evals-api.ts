// Runs the Evals API fake in its own process, so that a client measured in another process (the
// benchmark) carries none of the fake's memory.
//
//   node test/fakes/serve-evals-api.ts --scenario <file.json | inline JSON> [--latency-ms N]
//
// The scenario is a FakeEvalsOptions object in JSON (fault paths as regular-expression strings).
// Prints one line, {"url","apiKey","evalIds"}, once listening; serves until SIGTERM/SIGINT.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { startEvalsApi, type FakeEvalsOptions } from './evals-api.ts';

const { values } = parseArgs({
  options: {
    scenario: { type: 'string' },
    'latency-ms': { type: 'string' },
  },
});

const scenarioArg = values.scenario ?? '{}';
const scenarioText = scenarioArg.trimStart().startsWith('{') ? scenarioArg : readFileSync(scenarioArg, 'utf8');
const options = JSON.parse(scenarioText) as FakeEvalsOptions;
if (values['latency-ms'] !== undefined) {
  const latencyMs = Number(values['latency-ms']);
  if (!Number.isFinite(latencyMs) || latencyMs < 0) throw new Error(`--latency-ms must be a number ≥ 0, got ${values['latency-ms']}`);
  options.latencyMs = latencyMs;
}

const fake = await startEvalsApi(options);
process.stdout.write(`${JSON.stringify({ url: fake.url, apiKey: fake.apiKey, evalIds: fake.evalIds() })}\n`);

let closing = false;
function shutdown(): void {
  if (closing) return;
  closing = true;
  fake.close().then(
    () => process.exit(0),
    (error: unknown) => {
      process.stderr.write(`${String(error)}\n`);
      process.exit(1);
    },
  );
}
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
