// The real node's images: built offline by scripts/sandbox/images/build.sh (cached under
// ~/.cache/kube-ml-workbench/images) and imported into the node's containerd, since nothing can be pulled.
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { REPO_ROOT } from '../paths';
import { run } from './host';
import { CONTAINERD_SOCKET } from './layout';

export const PAUSE_IMAGE = 'registry.k8s.io/pause:3.10';
export const BUSYBOX_IMAGE = 'docker.io/library/busybox:1.36';
/** Recipes (scripts/sandbox/images/recipes) whose images every real node gets. */
const NODE_IMAGE_RECIPES = ['pause', 'busybox'];

interface ImageArchive {
  reference: string;
  archive: string;
}

/** Builds what is missing (a cached archive is reused) and lists each reference with its archive. */
function buildImages(recipes: readonly string[]): ImageArchive[] {
  const output = execFileSync(
    'bash',
    [path.join(REPO_ROOT, 'scripts', 'sandbox', 'images', 'build.sh'), ...recipes],
    {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  return output
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [reference, archive] = line.split('\t');
      return { reference, archive };
    });
}

/** Imports the node's images into its containerd under the references pods name; returns them. */
export function importNodeImages(): string[] {
  const images = buildImages(NODE_IMAGE_RECIPES);
  for (const image of images) {
    run('ctr', [
      '-a',
      CONTAINERD_SOCKET,
      '-n',
      'k8s.io',
      'images',
      'import',
      '--index-name',
      image.reference,
      image.archive,
    ]);
  }
  return images.map((image) => image.reference);
}
