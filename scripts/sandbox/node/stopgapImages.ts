// The real node's images until the offline image builds (scripts/sandbox/images/) provide them:
// a pause image and a busybox image, both made from Debian's static busybox and packed by hand as
// OCI archives (one uncompressed layer, config, manifest, index), as `ctr images import` takes them.
import { execFileSync } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface ImageArchive {
  reference: string;
  archive: string;
}

export const PAUSE_IMAGE = 'registry.k8s.io/pause:3.10';
export const BUSYBOX_IMAGE = 'docker.io/library/busybox:1.36';
const BUSYBOX = '/bin/busybox';

function sha256(data: Buffer): string {
  return crypto.createHash('sha256').update(data).digest('hex');
}

function writeBlob(layout: string, data: Buffer): { digest: string; size: number } {
  const hex = sha256(data);
  fs.writeFileSync(path.join(layout, 'blobs', 'sha256', hex), data);
  return { digest: `sha256:${hex}`, size: data.length };
}

function busyboxLayer(work: string): Buffer {
  const rootfs = path.join(work, 'rootfs');
  fs.mkdirSync(path.join(rootfs, 'bin'), { recursive: true });
  for (const dir of ['tmp', 'proc', 'sys', 'dev', 'etc', 'www']) fs.mkdirSync(path.join(rootfs, dir), { recursive: true });
  fs.copyFileSync(BUSYBOX, path.join(rootfs, 'bin', 'busybox'));
  fs.chmodSync(path.join(rootfs, 'bin', 'busybox'), 0o755);
  for (const applet of execFileSync(BUSYBOX, ['--list'], { encoding: 'utf8' }).split('\n').filter(Boolean)) {
    if (applet !== 'busybox') fs.symlinkSync('busybox', path.join(rootfs, 'bin', applet));
  }
  fs.writeFileSync(path.join(rootfs, 'etc', 'passwd'), 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n');
  fs.writeFileSync(path.join(rootfs, 'etc', 'group'), 'root:x:0:\nnogroup:x:65534:\n');
  const layerTar = path.join(work, 'layer.tar');
  execFileSync('tar', ['--numeric-owner', '--owner=0', '--group=0', '--sort=name', '--mtime=@0', '-C', rootfs, '-cf', layerTar, '.']);
  return fs.readFileSync(layerTar);
}

function packImage(work: string, name: string, layer: Buffer, entrypoint: string[], out: string): void {
  const layout = path.join(work, name);
  fs.mkdirSync(path.join(layout, 'blobs', 'sha256'), { recursive: true });
  const layerBlob = writeBlob(layout, layer);
  const config = writeBlob(layout, Buffer.from(JSON.stringify({
    architecture: 'amd64',
    os: 'linux',
    config: { Entrypoint: entrypoint, Env: ['PATH=/bin'], WorkingDir: '/' },
    rootfs: { type: 'layers', diff_ids: [layerBlob.digest] },
  })));
  const manifest = writeBlob(layout, Buffer.from(JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
    layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', ...layerBlob }],
  })));
  fs.writeFileSync(path.join(layout, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  fs.writeFileSync(path.join(layout, 'index.json'), JSON.stringify({
    schemaVersion: 2,
    manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', ...manifest }],
  }));
  execFileSync('tar', ['-C', layout, '-cf', out, 'oci-layout', 'index.json', 'blobs']);
}

/**
 * Builds the pause and busybox images into `dir` (a second of work, so not cached) and returns
 * each archive with the reference to import it under.
 */
export function buildStopgapImages(dir: string): ImageArchive[] {
  if (!fs.existsSync(BUSYBOX)) {
    throw new Error(`${BUSYBOX} is missing: the real node's images are made from Debian's busybox-static (apt-get install busybox-static)`);
  }
  fs.rmSync(dir, { recursive: true, force: true });
  const work = path.join(dir, 'work');
  fs.mkdirSync(work, { recursive: true });
  const layer = busyboxLayer(work);
  const pause = path.join(dir, 'pause.tar');
  const busybox = path.join(dir, 'busybox.tar');
  // The sandbox container only holds the pod's namespaces: any process that waits and ends on TERM.
  packImage(work, 'pause', layer, ['/bin/sh', '-c', 'trap "exit 0" TERM INT; sleep 2147483647 & wait'], pause);
  packImage(work, 'busybox', layer, ['/bin/sh'], busybox);
  fs.rmSync(work, { recursive: true, force: true });
  return [{ reference: PAUSE_IMAGE, archive: pause }, { reference: BUSYBOX_IMAGE, archive: busybox }];
}
