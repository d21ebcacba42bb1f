import * as assert from 'node:assert/strict';
import { explainVolumeAttach } from '../../../src/cluster/volumeAttach';

describe('volume attach events in plain words', () => {
  it('names a Multi-Attach error as a ReadWriteOnce disk attached elsewhere, with the pod using it', () => {
    assert.equal(
      explainVolumeAttach(
        'FailedAttachVolume',
        'Multi-Attach error for volume "pvc-3f1c" Volume is already used by pod(s) dev-alice',
      ),
      'volume pvc-3f1c is a ReadWriteOnce disk already attached to another node (used by pod dev-alice): a disk like that attaches to one node at a time (Multi-Attach error).',
    );
    assert.match(
      explainVolumeAttach(
        'FailedAttachVolume',
        'Multi-Attach error for volume "pvc-9" Volume is already exclusively attached to one node and can\'t be attached to another',
      ) ?? '',
      /^volume pvc-9 is a ReadWriteOnce disk already attached to another node: /,
    );
  });

  it('explains other attach failures and mount timeouts, and leaves unrelated events alone', () => {
    assert.match(
      explainVolumeAttach(
        'FailedAttachVolume',
        'AttachVolume.Attach failed for volume "pvc-1" : rpc error: code = Internal',
      ) ?? '',
      /^volume pvc-1 could not be attached to the node \(FailedAttachVolume\)/,
    );
    assert.match(
      explainVolumeAttach(
        'FailedMount',
        'Unable to attach or mount volumes: unmounted volumes=[workspace], unattached volumes=[workspace]: timed out waiting for the condition',
      ) ?? '',
      /not attached or mounted yet/,
    );
    assert.equal(
      explainVolumeAttach(
        'FailedMount',
        'MountVolume.SetUp failed for volume "token" : secret "hf" not found',
      ),
      undefined,
    );
    assert.equal(explainVolumeAttach('FailedScheduling', 'Multi-Attach error'), undefined);
  });
});
