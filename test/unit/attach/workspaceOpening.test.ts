import * as assert from 'node:assert/strict';
import { workspaceOpening } from '../../../src/attach/model/workspaceOpening';

const POD_FOLDER = 'kubeml://devpod~ml-team~bert/workspace';
const LOCAL_FOLDER = 'file:///home/me/project';

describe('workspaceOpening', () => {
  it('opens the pod folder in place in a window without folders', () => {
    assert.deepEqual(workspaceOpening({ folders: [], hasWorkspaceFile: false }, POD_FOLDER), {
      kind: 'openInPlace',
    });
  });

  it('opens in place in an untitled workspace left without folders, rather than adding to it', () => {
    assert.deepEqual(workspaceOpening({ folders: [], hasWorkspaceFile: true }, POD_FOLDER), {
      kind: 'openInPlace',
    });
  });

  it('only reveals a folder the window already holds', () => {
    assert.deepEqual(
      workspaceOpening({ folders: [LOCAL_FOLDER, POD_FOLDER], hasWorkspaceFile: true }, POD_FOLDER),
      { kind: 'reveal' },
    );
    assert.deepEqual(
      workspaceOpening({ folders: [POD_FOLDER], hasWorkspaceFile: false }, POD_FOLDER),
      { kind: 'reveal' },
    );
  });

  it('asks when a folder is open, warning that adding converts a single-folder window', () => {
    assert.deepEqual(
      workspaceOpening({ folders: [LOCAL_FOLDER], hasWorkspaceFile: false }, POD_FOLDER),
      { kind: 'ask', addingConvertsWindow: true },
    );
  });

  it('asks in a multi-root workspace too, where adding is a plain edit', () => {
    assert.deepEqual(
      workspaceOpening(
        {
          folders: [LOCAL_FOLDER, 'kubeml://devpod~ml-team~other/workspace'],
          hasWorkspaceFile: true,
        },
        POD_FOLDER,
      ),
      { kind: 'ask', addingConvertsWindow: false },
    );
  });

  it('treats another container or path of the same pod as a different folder', () => {
    assert.equal(
      workspaceOpening(
        { folders: ['kubeml://devpod~ml-team~bert~sidecar/workspace'], hasWorkspaceFile: false },
        POD_FOLDER,
      ).kind,
      'ask',
    );
    assert.equal(
      workspaceOpening(
        { folders: ['kubeml://devpod~ml-team~bert/tmp'], hasWorkspaceFile: false },
        POD_FOLDER,
      ).kind,
      'ask',
    );
  });
});
