import type { KubeConfig } from '@kubernetes/client-node';
import { KubeMlError } from '../cluster/errors';
import { runTextCommand, type ExecTarget } from '../cluster/exec';
import { normalizePodPath } from '../cluster/podFiles';
import {
  DEFAULT_FILE_LIMIT,
  DEFAULT_SEARCH_LIMITS,
  findArguments,
  grepArguments,
  limitedRunArguments,
  limitedRunOutcome,
  parseFindOutput,
  parseGrepOutput,
  type SearchLimits,
  type SearchQuery,
  type SearchResult,
} from './model/workspaceSearch';

/** Search and file listing of a container folder over exec (grep and find); no vscode here so cluster tests use it as is. */

/** Text search under `root`: grep in the container, stopped early once `limits.total` matches came out. */
export async function searchPodFiles(
  kubeConfig: KubeConfig,
  target: ExecTarget,
  root: string,
  query: SearchQuery,
  limits: SearchLimits = DEFAULT_SEARCH_LIMITS,
  signal?: AbortSignal,
): Promise<SearchResult> {
  const folder = normalizePodPath(root);
  if (query.pattern.length === 0) return { matches: [], truncated: false };
  const operation = `search ${folder} in ${target.namespace}/${target.pod}`;
  // One record more than the limit tells "exactly the limit" apart from "cut short".
  const requested = limits.total + 1;
  const result = await runTextCommand(
    kubeConfig,
    target,
    limitedRunArguments(requested, grepArguments(folder, query, limits), 'newline'),
    { signal, operation },
  );
  const matches = parseGrepOutput(result.stdout, folder);
  const outcome = limitedRunOutcome(result.stderr, matches.length, requested);
  if (outcome.kind === 'failed') {
    throw new KubeMlError(
      'invalidInput',
      `Could not ${operation}: ${outcome.message}`,
      query.isRegex ? 'Check the regular expression (grep -E syntax).' : undefined,
    );
  }
  return { matches: matches.slice(0, limits.total), truncated: outcome.truncated };
}

/** Regular files under `root`, relative to it, at most `limit` of them. */
export async function listPodFiles(
  kubeConfig: KubeConfig,
  target: ExecTarget,
  root: string,
  limit = DEFAULT_FILE_LIMIT,
  signal?: AbortSignal,
): Promise<{ paths: string[]; truncated: boolean }> {
  const folder = normalizePodPath(root);
  const operation = `list files of ${folder} in ${target.namespace}/${target.pod}`;
  const requested = limit + 1;
  const result = await runTextCommand(
    kubeConfig,
    target,
    limitedRunArguments(requested, findArguments(folder), 'nul'),
    { signal, operation },
  );
  const paths = parseFindOutput(result.stdout);
  const outcome = limitedRunOutcome(result.stderr, paths.length, requested, 'find');
  if (outcome.kind === 'failed')
    throw new KubeMlError('notFound', `Could not ${operation}: ${outcome.message}`);
  return { paths: paths.slice(0, limit), truncated: outcome.truncated };
}
