// The code-server half of `npm start` (scripts/start.sh): installs the packaged extension into a
// fresh extensions folder, starts code-server on 127.0.0.1 (port 8080 or the next free one) with
// the demo workspace, prints the URL once /healthz answers, and stops code-server's whole process
// group on Ctrl-C (SIGINT), SIGTERM or SIGHUP.
//
// Flags: --vsix PATH --kubeconfig PATH --workspace DIR [--port N]
import * as fs from 'fs';
import * as path from 'path';
import {
  CodeServer,
  freePort,
  freshFolders,
  installVsix,
  parseFlags,
  removeFolders,
  repoRoot,
} from './codeServer';

async function main(): Promise<void> {
  const { values } = parseFlags(process.argv.slice(2));
  const vsix = path.resolve(
    values.get('vsix') ?? path.join(repoRoot, 'dist', 'kube-ml-workbench.vsix'),
  );
  const kubeconfig = values.get('kubeconfig');
  const workspace = path.resolve(
    values.get('workspace') ?? path.join(repoRoot, 'test-results', 'demo-workspace'),
  );
  if (!kubeconfig) {
    throw new Error('--kubeconfig PATH is required');
  }
  fs.mkdirSync(workspace, { recursive: true });
  const folders = freshFolders('start', workspace);
  installVsix(vsix, folders);
  const port = await freePort(Number(values.get('port') ?? 8080));
  const logFile = path.join(folders.root, 'code-server.log');
  const server = await CodeServer.start({
    folders,
    port,
    logFile,
    env: { KUBECONFIG: path.resolve(kubeconfig) },
  });

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) {
      return;
    }
    stopping = true;
    console.log(`\nstart: ${signal}: stopping code-server (pid ${server.pid})`);
    await server.stop();
    removeFolders(folders);
    process.exit(0);
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => void stop(signal));
  }
  process.once('exit', () => server.stopNow());

  // start.sh passes its start time (epoch ms) so the figure covers install, build and sandbox too.
  const startedMs = Number(process.env.KMW_START_MS);
  const took = startedMs
    ? ` (${((Date.now() - startedMs) / 1000).toFixed(1)} s after npm start)`
    : '';
  const url = `${server.url}/?folder=${encodeURIComponent(workspace)}`;
  console.log('');
  console.log(`Kube ML Workbench is running${took}. Open:`);
  console.log(`  ${url}`);
  console.log(`cluster: KUBECONFIG=${kubeconfig}`);
  console.log(`workspace: ${workspace}`);
  console.log(`code-server log: ${logFile}`);
  console.log('Press Ctrl-C to stop.');
}

main().catch((error: unknown) => {
  console.error(`start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
