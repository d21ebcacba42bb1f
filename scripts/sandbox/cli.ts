// `npm run sandbox -- up [--nodes N] [--no-real-node] | down | status | restart-agent | kill COMPONENT [--hold S] | restart COMPONENT`
import {
  KILLABLE,
  SandboxError,
  apiServerPid,
  down,
  kill,
  restart,
  restartAgent,
  sandboxAdminKubeConfig,
  status,
  up,
} from './cluster';
import { KUBECONFIG_PATH, SANDBOX_CONTEXTS } from './paths';
import { rssMiB } from './processes';

function usage(): never {
  console.error(
    'usage: npm run sandbox -- up [--nodes N] [--no-real-node] | down | status | restart-agent | kill COMPONENT [--hold SECONDS] | restart COMPONENT',
  );
  console.error(`  COMPONENT: ${KILLABLE.join(', ')}`);
  process.exit(2);
}

function parseCount(args: string[], flag: string): number {
  const at = args.indexOf(flag);
  if (at === -1) return 0;
  const count = Number(args[at + 1]);
  if (!Number.isInteger(count) || count < 0) {
    throw new SandboxError(
      `${flag} needs a non-negative whole number, got ${args[at + 1] ?? 'nothing'}`,
    );
  }
  return count;
}

async function runUp(args: string[]): Promise<void> {
  const extraNodes = parseCount(args, '--nodes');
  const figures = await up({ realNode: !args.includes('--no-real-node') });
  if (figures.repaired) {
    const what =
      figures.restarted.length > 0
        ? `restarted ${figures.restarted.join(', ')}`
        : 'the supervisor was already restarting what had died';
    console.log(
      `sandbox: ${what}; ready in ${figures.totalSeconds.toFixed(1)} s; the cluster and its objects were kept`,
    );
  } else if (figures.reused) {
    console.log(
      `sandbox: already running and healthy, reused in ${(figures.totalSeconds * 1000).toFixed(0)} ms`,
    );
  } else {
    const node =
      figures.realNodeSeconds === undefined
        ? ''
        : ` (real node Ready ${figures.realNodeSeconds.toFixed(1)} s after the control plane)`;
    console.log(
      `sandbox: build ${figures.buildSeconds?.toFixed(1)} s (0 when cached), start ${figures.startSeconds?.toFixed(1)} s${node}, total ${figures.totalSeconds.toFixed(1)} s`,
    );
  }
  if (extraNodes > 0) {
    const pid = apiServerPid();
    const before = pid ? rssMiB(pid) : undefined;
    console.log(`sandbox: adding ${extraNodes} simulated H100 nodes`);
    const { addScaleNodes } = await import('./scaleNodes');
    const result = await addScaleNodes(
      await sandboxAdminKubeConfig(),
      extraNodes,
      (done, total) => {
        console.log(`  ${done}/${total} nodes created`);
      },
    );
    const after = pid ? rssMiB(pid) : undefined;
    console.log(
      `sandbox: added ${result.added} nodes in ${result.seconds.toFixed(1)} s ` +
        `(${(result.added / result.seconds).toFixed(0)} nodes/s); cluster has ${result.totalNodes} nodes; ` +
        `kube-apiserver RSS ${before ?? '?'} MiB before, ${after ?? '?'} MiB after`,
    );
  }
  const [current, ...others] = SANDBOX_CONTEXTS;
  console.log(
    `sandbox: kubeconfig ${KUBECONFIG_PATH} (contexts ${current} [current], ${others.join(', ')})`,
  );
}

async function main(): Promise<void> {
  const [command, ...args] = process.argv.slice(2);
  switch (command) {
    case 'up':
      await runUp(args);
      break;
    case 'down': {
      const stopped = await down();
      console.log(
        stopped.length > 0
          ? `sandbox: stopped ${stopped.join(', ')}`
          : 'sandbox: nothing was running',
      );
      break;
    }
    case 'kill': {
      const hold = parseCount(args, '--hold');
      const pid = kill(args[0] ?? usage(), hold);
      console.log(
        `sandbox: killed ${args[0]} (pid ${pid}, SIGKILL)${args[0] === 'agent' ? '; `up` restarts it' : `; the supervisor restarts it${hold ? ` after ${hold} s` : ''}`}`,
      );
      break;
    }
    case 'restart':
      console.log(`sandbox: ${args[0]} restarted (pid ${await restart(args[0] ?? usage())})`);
      break;
    case 'restart-agent':
      console.log(`sandbox: agent restarted (pid ${await restartAgent()})`);
      break;
    case 'status': {
      const report = await status();
      console.log(report.lines.join('\n'));
      process.exitCode = report.running ? 0 : 1;
      break;
    }
    default:
      usage();
  }
}

main().catch((error: unknown) => {
  if (error instanceof SandboxError) {
    console.error(`sandbox: ${error.message}`);
  } else {
    console.error('sandbox: unexpected failure:', error);
  }
  process.exit(1);
});
