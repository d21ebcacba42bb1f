import * as assert from 'node:assert/strict';
import {
  classifyFileError,
  normalizePodPath,
  parseDirectoryListing,
  parseStatLine,
} from '../../../src/cluster/podFiles';
import {
  formatAuthority,
  parseAuthority,
  workloadOfAuthority,
  workspaceFolderName,
} from '../../../src/attach/model/kubemlUri';

const failed = (exitCode: number, stderr: string) => ({ exitCode, stderr: Buffer.from(stderr) });

describe('pod file parsing', () => {
  it('parses stat output with nanosecond mtime into type, size, times and version', () => {
    const stat = parseStatLine(
      '81a4|5242880|1795976929|1795976930|2026-11-29 18:28:49.939228692 +0000\n',
    );
    assert.equal(stat.type, 'file');
    assert.equal(stat.size, 5242880);
    assert.equal(stat.mtimeMs, 1795976929939);
    assert.equal(stat.ctimeMs, 1795976930000);
    assert.equal(stat.version, '2026-11-29 18:28:49.939228692 +0000|5242880');
    assert.equal(
      parseStatLine('41ed|4096|1|1|1970-01-01 00:00:01.000000000 +0000').type,
      'directory',
    );
    assert.equal(parseStatLine('a1ff|4|1|1|1970-01-01 00:00:01 +0000').type, 'other');
  });
  it('parses NUL-separated find output, names with spaces and newlines included', () => {
    const listing = Buffer.from('fa b.txt\0dsub\0lx\0fline\nbreak\0', 'utf8');
    assert.deepEqual(parseDirectoryListing(listing), [
      ['a b.txt', 'file'],
      ['sub', 'directory'],
      ['x', 'other'],
      ['line\nbreak', 'file'],
    ]);
  });
  it('classifies errors of coreutils, busybox and dash', () => {
    assert.equal(
      classifyFileError(failed(1, 'cat: /x: No such file or directory'), '/x').code,
      'notFound',
    );
    assert.equal(
      classifyFileError(
        failed(2, 'sh: 1: cannot create /nope/.x.tmp: Directory nonexistent'),
        '/nope/x',
      ).code,
      'notFound',
    );
    assert.equal(
      classifyFileError(failed(1, "mkdir: cannot create directory '/a': File exists"), '/a').code,
      'exists',
    );
    assert.equal(classifyFileError(failed(17, 'kubeml: exists'), '/a').code, 'exists');
    assert.equal(classifyFileError(failed(75, 'kubeml: conflict: now x|3'), '/a').code, 'conflict');
    assert.equal(
      classifyFileError(failed(1, 'rmdir: failed to remove: Permission denied'), '/a').code,
      'noPermissions',
    );
    assert.equal(classifyFileError(failed(21, '/a: Is a directory'), '/a').code, 'isADirectory');
    assert.equal(classifyFileError(failed(2, '/a: Not a directory'), '/a').code, 'notADirectory');
    assert.equal(classifyFileError(failed(9, 'weird'), '/a').code, 'failed');
    assert.equal(classifyFileError(failed(27, 'kubeml: too large'), '/big').code, 'tooLarge');
    assert.equal(
      classifyFileError(failed(19, 'kubeml: not a regular file'), '/dev/zero').code,
      'notARegularFile',
    );
  });
  it('normalizes paths so they are absolute and free of ..', () => {
    assert.equal(normalizePodPath('work/../etc/'), '/etc');
    assert.equal(normalizePodPath('/'), '/');
    assert.equal(normalizePodPath('/-rf'), '/-rf');
  });
});

describe('kubeml:// authority', () => {
  it('round-trips dev pod and pod authorities', () => {
    const devPod = {
      kind: 'devpod' as const,
      namespace: 'ml-team',
      name: 'alice',
      container: 'main',
    };
    assert.equal(formatAuthority(devPod), 'devpod~ml-team~alice~main');
    assert.deepEqual(parseAuthority('devpod~ml-team~alice~main'), devPod);
    assert.deepEqual(workloadOfAuthority(devPod), {
      kind: 'DevPod',
      namespace: 'ml-team',
      name: 'alice',
      podSelector: 'kube-ml.dev/devpod=alice',
      container: 'main',
    });
    assert.deepEqual(parseAuthority('pod~default~web-1'), {
      kind: 'pod',
      namespace: 'default',
      name: 'web-1',
      container: undefined,
    });
  });
  it('rejects authorities that are not ours', () => {
    assert.equal(parseAuthority('job~a~b'), undefined);
    assert.equal(parseAuthority('devpod~A~b'), undefined);
    assert.equal(parseAuthority('devpod~a~b~c~d'), undefined);
    assert.equal(parseAuthority('devpod~a'), undefined);
  });
  it('names the workspace folder', () => {
    assert.equal(workspaceFolderName('alice'), 'alice (Kube ML)');
  });
});
