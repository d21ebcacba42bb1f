import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  IDLE_REAPER_NAME,
  IDLE_REAPER_SCRIPT,
  idleReaperCronJob,
  idleReaperObjects,
  idleReaperRole,
} from '../../../src/devPods/model/idleReaper';

/**
 * Runs the reaper script with a fake `curl` on PATH that serves recorded (pretty-printed, as the
 * API server answers curl) pod JSON and logs every request, so the shell rules are checked
 * without a cluster. The cluster suite runs the same script against the sandbox.
 */
function runReaper(
  pods: Record<string, { idleMinutes?: string; lastActivity?: string; startTime: string }>,
): { output: string; requests: string[] } {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'reaper-unit-'));
  try {
    for (const [name, pod] of Object.entries(pods)) {
      const annotations: Record<string, string> = {};
      if (pod.idleMinutes !== undefined) annotations['kube-ml.dev/idle-minutes'] = pod.idleMinutes;
      if (pod.lastActivity !== undefined)
        annotations['kube-ml.dev/last-activity'] = pod.lastActivity;
      const json = {
        metadata: {
          name,
          creationTimestamp: pod.startTime,
          labels: { 'kube-ml.dev/devpod': name },
          annotations,
        },
        status: { startTime: pod.startTime },
      };
      fs.writeFileSync(path.join(folder, `pod-${name}.json`), JSON.stringify(json, null, 2));
    }
    fs.writeFileSync(
      path.join(folder, 'list.json'),
      JSON.stringify(
        {
          items: Object.keys(pods).map((name) => ({
            metadata: { labels: { 'kube-ml.dev/devpod': name } },
          })),
        },
        null,
        2,
      ),
    );
    fs.writeFileSync(
      path.join(folder, 'curl'),
      `#!/bin/sh\nfor last; do :; done\necho "$*" >> "${folder}/requests"\ncase "$last" in\n  *labelSelector*) cat "${folder}/list.json" ;;\n  */pods/*) case "$*" in *DELETE*) echo '{}' ;; *) cat "${folder}/pod-\${last##*/}.json" ;; esac ;;\n  *) echo '{}' ;;\nesac\n`,
      { mode: 0o755 },
    );
    fs.writeFileSync(path.join(folder, 'token'), 'token');
    const output = execFileSync('sh', ['-c', IDLE_REAPER_SCRIPT], {
      env: {
        PATH: `${folder}:${process.env.PATH}`,
        KUBE_ML_API: 'https://127.0.0.1:1',
        KUBE_ML_TOKEN_FILE: path.join(folder, 'token'),
        KUBE_ML_CA_FILE: '/dev/null',
        KUBE_ML_NAMESPACE: 'ml-team',
      },
      encoding: 'utf8',
    });
    const requests = fs.existsSync(path.join(folder, 'requests'))
      ? fs.readFileSync(path.join(folder, 'requests'), 'utf8').trim().split('\n')
      : [];
    return { output, requests };
  } finally {
    fs.rmSync(folder, { recursive: true, force: true });
  }
}

const minutesAgo = (minutes: number) => new Date(Date.now() - minutes * 60_000).toISOString();

describe('devPods/model/idleReaper', () => {
  it('is valid POSIX sh', () => {
    execFileSync('sh', ['-n', '-c', IDLE_REAPER_SCRIPT]);
  });

  it('stops only pods idle past their limit, marking the volume first, and skips off/invalid limits', () => {
    const { output, requests } = runReaper({
      idle: { idleMinutes: '30', lastActivity: minutesAgo(45), startTime: minutesAgo(120) },
      busy: { idleMinutes: '30', lastActivity: minutesAgo(5), startTime: minutesAgo(120) },
      resumed: { idleMinutes: '30', lastActivity: minutesAgo(300), startTime: minutesAgo(10) },
      never: { idleMinutes: '30', startTime: minutesAgo(31) },
      off: { idleMinutes: '0', lastActivity: minutesAgo(900), startTime: minutesAgo(900) },
      garbage: { idleMinutes: '3O', lastActivity: minutesAgo(900), startTime: minutesAgo(900) },
    });
    const deletes = requests
      .filter((request) => request.includes('-X DELETE'))
      .map((request) => request.replace(/^.*\/pods\//, ''));
    assert.deepEqual(deletes.sort(), ['idle', 'never']);
    const marks = requests.filter((request) => request.includes('-X PATCH'));
    assert.equal(marks.length, 2);
    assert.match(
      marks.find((request) => request.includes('idle-workspace')) ?? '',
      /"kube-ml.dev\/stopped-reason":"idle for 45 min"/,
    );
    assert.match(output, /stopping dev pod ml-team\/idle: idle for 45 min, limit 30 min/);
    assert.match(output, /keeping dev pod ml-team\/busy: idle for 5 min, limit 30 min/);
    assert.match(output, /keeping dev pod ml-team\/resumed: idle for 10 min/);
    assert.ok(requests.every((request) => request.includes('Authorization: Bearer token')));
  });

  it('runs least-privileged and passes restricted Pod Security', () => {
    const pod = idleReaperCronJob('ml-team').spec?.jobTemplate.spec?.template.spec;
    assert.equal(pod?.serviceAccountName, IDLE_REAPER_NAME);
    assert.equal(pod?.securityContext?.runAsNonRoot, true);
    assert.equal(pod?.securityContext?.seccompProfile?.type, 'RuntimeDefault');
    assert.deepEqual(pod?.containers[0].securityContext?.capabilities?.drop, ['ALL']);
    assert.equal(pod?.containers[0].securityContext?.allowPrivilegeEscalation, false);
    assert.deepEqual(idleReaperRole('ml-team').rules, [
      { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'delete'] },
      { apiGroups: [''], resources: ['persistentvolumeclaims'], verbs: ['get', 'patch'] },
    ]);
    assert.deepEqual(
      idleReaperObjects('ml-team').map((item) => item.object.kind),
      ['ServiceAccount', 'Role', 'RoleBinding', 'CronJob'],
    );
    assert.equal(idleReaperCronJob('ml-team').spec?.concurrencyPolicy, 'Forbid');
  });
});
