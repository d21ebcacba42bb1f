import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { ESLint } from 'eslint';

// The layer rules of eslint.config.mjs, checked on imports written into files at each place of the
// tree: lint must refuse every import against the direction core ← kit ← features ← entry.
const REPO = path.resolve(__dirname, '..', '..', '..');

async function layerErrors(file: string, source: string): Promise<string[]> {
  const eslint = new ESLint({ cwd: REPO });
  const [result] = await eslint.lintText(`${source}\nexport {};\n`, {
    filePath: path.join(REPO, file),
  });
  return result.messages
    .filter((message) => message.ruleId === '@typescript-eslint/no-restricted-imports')
    .map((message) => message.message);
}

const refused: [string, string][] = [
  ['src/cluster/x.ts', "import { a } from '../devPods/lifecycle';"],
  ['src/cluster/x.ts', "import { a } from '../common/services';"],
  ['src/cluster/x.ts', "import * as vscode from 'vscode';"],
  ['src/cluster/gpu/x.ts', "import { a } from '../../explorer/model/format';"],
  ['src/cluster/gpu/x.ts', "import { a } from '../../extension';"],
  ['src/common/x.ts', "import { a } from '../jobs/register';"],
  ['src/common/model/x.ts', "import { a } from '../../serving/model/latency';"],
  ['src/jobs/x.ts', "import { a } from '../serving/register';"],
  ['src/jobs/model/x.ts', "import { a } from '../../logs/model/batcher';"],
  ['src/jobs/x.ts', "import { a } from '../webviews/runCompare/main';"],
  ['src/jobs/x.ts', "import { a } from '../extension';"],
  ['src/jobs/model/x.ts', "import * as vscode from 'vscode';"],
  ['src/devPods/x.ts', "import { a } from 'child_process';"],
  ['src/webviews/logs/x.ts', "import { a } from '../../logs/logSession';"],
  ['src/webviews/logs/x.ts', "import { a } from '../../cluster/errors';"],
  ['src/webviews/logs/x.ts', "import * as vscode from 'vscode';"],
  ['src/cluster/execCredentials/pluginProcess.ts', "import { a } from '../../common/services';"],
  ['src/cluster/execCredentials/pluginProcess.ts', "import * as vscode from 'vscode';"],
];

const allowed: [string, string][] = [
  ['src/cluster/x.ts', "import { a } from './errors';"],
  ['src/cluster/gpu/x.ts', "import { a } from '../errors';"],
  ['src/cluster/logs/x.ts', "import { a } from '../gpu/requests';"],
  ['src/common/x.ts', "import { a } from '../cluster/errors';"],
  ['src/jobs/x.ts', "import { a } from '../common/services';"],
  ['src/jobs/model/x.ts', "import { a } from '../../cluster/gpu/freeGpus';"],
  ['src/jobs/x.ts', "import type { a } from '../webviews/runCompare/protocol';"],
  ['src/extension.ts', "import { a } from './jobs/register';"],
  ['src/webviews/logs/x.ts', "import type { a } from '../../logs/logSession';"],
  ['src/webviews/logs/x.ts', "import { a } from '../../cluster/logs/ansi';"],
  ['src/webviews/logs/x.ts', "import { a } from '../common/dom';"],
  ['src/cluster/execCredentials/pluginProcess.ts', "import { spawn } from 'child_process';"],
  ['src/cluster/execCredentials/pluginProcess.ts', "import { a } from '../errors';"],
];

describe('layer rules (eslint.config.mjs)', function () {
  this.timeout(60_000);

  for (const [file, source] of refused) {
    it(`refuses in ${file}: ${source}`, async () => {
      assert.equal((await layerErrors(file, source)).length, 1);
    });
  }

  for (const [file, source] of allowed) {
    it(`allows in ${file}: ${source}`, async () => {
      assert.deepEqual(await layerErrors(file, source), []);
    });
  }
});
