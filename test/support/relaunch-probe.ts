// A process that relaunches itself as the action does (src/shared/relaunch.ts), then reports what the
// new image sees: run by test/integration/relaunch.test.ts as `node relaunch-probe.ts`.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { relaunch } from '../../src/shared/relaunch.ts';

const root = process.env.PROBE_ROOT ?? '';
const outcome = relaunch({ execArgv: JSON.parse(process.env.PROBE_EXEC_ARGV ?? '[]') as string[], handoverRoot: root });

// The needles come in a file: in a variable, they would be in this very environment.
const needles = process.env.PROBE_NEEDLES_FILE ? (JSON.parse(readFileSync(process.env.PROBE_NEEDLES_FILE, 'utf8')) as string[]) : [];
/** What a python grader would find: every /proc/<pid>/environ it can read, searched for the needles. */
const scan = spawnSync('python3', ['-c', `
import json, os, sys
needles = json.load(sys.stdin)
found = []
for pid in os.listdir('/proc'):
    if not pid.isdigit():
        continue
    try:
        with open('/proc/%s/environ' % pid, 'rb') as f:
            text = f.read().decode('utf-8', 'replace')
    except OSError:
        continue
    found += ['%s in %s' % (n, pid) for n in needles if n in text]
print(json.dumps(found))
`], { input: JSON.stringify(needles), env: { PATH: process.env.PATH ?? '' }, encoding: 'utf8' });

process.stdout.write(
  JSON.stringify({
    outcome,
    pid: process.pid,
    execArgv: process.execArgv,
    apiKey: process.env['INPUT_API-KEY'] ?? null,
    runtimeToken: process.env.ACTIONS_RUNTIME_TOKEN ?? null,
    plain: process.env.PROBE_PLAIN ?? null,
    handoverVariable: process.env.EVALS_GATE_HANDOVER ?? null,
    ownEnviron: readFileSync('/proc/self/environ', 'utf8').split('\0').filter(Boolean),
    leftInRoot: root ? readdirSync(root) : [],
    found: scan.status === 0 ? (JSON.parse(scan.stdout) as string[]) : [`scan failed: ${scan.stderr}`],
  }),
);
