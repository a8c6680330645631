// src/shared/relaunch.ts in real processes: the image is replaced (same pid), the secrets leave its
// environment for good and come back through the hand-over file, which is gone before anything else runs.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HANDOVER_VARIABLE, isSecretVariable } from '../../../src/shared/relaunch.ts';

const PROBE = join(import.meta.dirname, '../../support/relaunch-probe.ts');

interface ProbeReport {
  outcome: string;
  pid: number;
  execArgv: string[];
  apiKey: string | null;
  runtimeToken: string | null;
  plain: string | null;
  handoverVariable: string | null;
  ownEnviron: string[];
  leftInRoot: string[];
  found: string[];
}

function probe(env: Record<string, string>, execArgv: string[] = []): Promise<{ report: ProbeReport; pid: number | undefined; stderr: string; code: number | null }> {
  const root = mkdtempSync(join(tmpdir(), 'relaunch-test-'));
  const child = spawn(process.execPath, [PROBE], {
    env: { PATH: process.env.PATH ?? '', PROBE_ROOT: root, PROBE_EXEC_ARGV: JSON.stringify(execArgv), ...env },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      try {
        resolve({ report: JSON.parse(stdout) as ProbeReport, pid: child.pid, stderr, code });
      } catch {
        reject(new Error(`probe printed no report (exit ${code}): ${stdout}\n${stderr}`));
      }
    });
  });
}

function needlesFile(needles: string[]): string {
  const file = join(mkdtempSync(join(tmpdir(), 'relaunch-needles-')), 'needles.json');
  writeFileSync(file, JSON.stringify(needles));
  return file;
}

const API_KEY = `sk-relaunch-${Math.random().toString(36).slice(2)}-key`;
const RUNTIME_TOKEN = `eyJ.relaunch-${Math.random().toString(36).slice(2)}.runtime`;

describe('relaunch', () => {
  it('replaces the image (same pid) with one whose environment holds no secret, and gives them back to the code', async () => {
    const { report, pid, code } = await probe({
      'INPUT_API-KEY': API_KEY,
      ACTIONS_RUNTIME_TOKEN: RUNTIME_TOKEN,
      PROBE_PLAIN: 'kept',
      // The last needle is there to be found: it proves the scan reads its parent's environment.
      PROBE_NEEDLES_FILE: needlesFile([API_KEY, RUNTIME_TOKEN, 'PROBE_PLAIN=kept']),
    });
    expect(code).toBe(0);
    expect(report.outcome).toBe('relaunched');
    // The runner waits on this pid: it must still be the same process.
    expect(report.pid).toBe(pid);
    expect(report.apiKey).toBe(API_KEY);
    expect(report.runtimeToken).toBe(RUNTIME_TOKEN);
    expect(report.plain).toBe('kept');
    expect(report.handoverVariable).toBeNull();
    const environ = report.ownEnviron.join('\n');
    expect(environ).not.toContain(API_KEY);
    expect(environ).not.toContain(RUNTIME_TOKEN);
    expect(environ).not.toContain('INPUT_API-KEY');
    expect(report.ownEnviron).toContain('PROBE_PLAIN=kept');
    // A child reading every /proc/<pid>/environ it can finds none of them, even in its parent's.
    expect(report.found).toEqual([`PROBE_PLAIN=kept in ${pid}`]);
    // The hand-over file and its folder are gone.
    expect(report.leftInRoot).toEqual([]);
  });

  it('adds the Node flags it is given, once', async () => {
    const { report } = await probe({ 'INPUT_API-KEY': API_KEY }, ['--max-semi-space-size=32']);
    expect(report.outcome).toBe('relaunched');
    expect(report.execArgv.filter((flag) => flag === '--max-semi-space-size=32')).toHaveLength(1);
  });

  it('leaves a process with nothing to hide and no flags to add as it is', async () => {
    const { report } = await probe({ PROBE_PLAIN: 'kept' });
    expect(report.outcome).toBe('not-needed');
  });

  it('refuses a hand-over path that is not its own, and one that others may read', async () => {
    const elsewhere = mkdtempSync(join(tmpdir(), 'not-ours-'));
    writeFileSync(join(elsewhere, 'handover.json'), '{}');
    const forged = await probe({ [HANDOVER_VARIABLE]: join(elsewhere, 'handover.json') }).catch((error: Error) => error);
    expect(String(forged)).toMatch(/not a hand-over file of this action/);
    expect(readdirSync(elsewhere)).toEqual(['handover.json']);

    const folder = join(mkdtempSync(join(tmpdir(), 'relaunch-test-')), 'evals-gate-x');
    mkdirSync(folder);
    writeFileSync(join(folder, 'handover.json'), JSON.stringify({ 'INPUT_API-KEY': 'planted' }), { mode: 0o644 });
    const readable = await probe({ [HANDOVER_VARIABLE]: join(folder, 'handover.json') }).catch((error: Error) => error);
    expect(String(readable)).toMatch(/not a private file of this user/);
  });

  it('counts inputs, the runner\'s tokens and names that say secret as secrets', () => {
    for (const name of ['INPUT_API-KEY', 'INPUT_MODEL', 'ACTIONS_RUNTIME_TOKEN', 'ACTIONS_ID_TOKEN_REQUEST_TOKEN', 'OPENAI_API_KEY', 'MY_DB_PASSWORD', 'AZURE_CLIENT_SECRET']) {
      expect(isSecretVariable(name), name).toBe(true);
    }
    for (const name of ['PATH', 'HOME', 'GITHUB_WORKSPACE', 'RUNNER_TEMP', 'GITHUB_EVENT_NAME', 'ACTIONS_RESULTS_URL']) {
      expect(isSecretVariable(name), name).toBe(false);
    }
  });
});
