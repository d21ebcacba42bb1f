// A repository's .vscode/settings.json must not choose our kubeconfig (whose credentials we use)
// or switch off restricted pods: package.json declares both machine-scoped and untrusted-restricted,
// and the code reads only the user's layer of them.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  MACHINE_SETTINGS,
  SettingsReader,
  type ConfigurationLike,
} from '../../src/common/model/settingsReader';

interface Layers {
  defaultValue?: unknown;
  globalValue?: unknown;
  workspaceValue?: unknown;
  workspaceFolderValue?: unknown;
}

/** A configuration as VS Code merges it when a workspace sets a value (folder over workspace over user). */
function configuration(layers: Record<string, Layers>): ConfigurationLike {
  return {
    get<T>(key: string, defaultValue: T): T {
      const layer = layers[key] ?? {};
      return (layer.workspaceFolderValue ??
        layer.workspaceValue ??
        layer.globalValue ??
        layer.defaultValue ??
        defaultValue) as T;
    },
    inspect<T>(key: string) {
      return layers[key] as { defaultValue?: T; globalValue?: T } | undefined;
    },
  };
}

const manifest = JSON.parse(
  fs.readFileSync(path.resolve(__dirname, '..', '..', 'package.json'), 'utf8'),
) as {
  contributes: { configuration: { properties: Record<string, { scope?: string }> } };
  capabilities?: {
    untrustedWorkspaces?: { supported?: unknown; restrictedConfigurations?: string[] };
  };
};

describe('security: settings from an untrusted workspace', () => {
  it('declares the kubeconfig and pod-security settings machine-scoped and restricted in untrusted workspaces', () => {
    for (const key of MACHINE_SETTINGS) {
      assert.equal(
        manifest.contributes.configuration.properties[`kubeMl.${key}`]?.scope,
        'machine',
        `kubeMl.${key}`,
      );
      assert.ok(
        manifest.capabilities?.untrustedWorkspaces?.restrictedConfigurations?.includes(
          `kubeMl.${key}`,
        ),
        `kubeMl.${key} in restrictedConfigurations`,
      );
    }
    assert.equal(manifest.capabilities?.untrustedWorkspaces?.supported, 'limited');
  });

  it('reads the kubeconfig path and pod security from the user settings, never from the workspace', () => {
    const settings = new SettingsReader(() =>
      configuration({
        kubeconfig: {
          defaultValue: '',
          globalValue: '/home/alice/.kube/work',
          workspaceValue: '/tmp/attacker-kubeconfig',
          workspaceFolderValue: './kubeconfig',
        },
        'devPods.restrictedPodSecurity': {
          defaultValue: true,
          workspaceValue: false,
          workspaceFolderValue: false,
        },
      }),
    );
    assert.equal(settings.kubeconfigPath(), '/home/alice/.kube/work');
    assert.equal(settings.restrictedPodSecurity(), true);
  });

  it('falls back to the defaults when only the workspace sets them, and honours the user turning restriction off', () => {
    const workspaceOnly = new SettingsReader(() =>
      configuration({
        kubeconfig: { defaultValue: '', workspaceValue: '/tmp/attacker-kubeconfig' },
      }),
    );
    assert.equal(workspaceOnly.kubeconfigPath(), undefined);
    assert.equal(workspaceOnly.restrictedPodSecurity(), true);
    const user = new SettingsReader(() =>
      configuration({
        'devPods.restrictedPodSecurity': { defaultValue: true, globalValue: false },
      }),
    );
    assert.equal(user.restrictedPodSecurity(), false);
  });

  it("still reads ordinary settings from the workspace (only the two above are the user's alone)", () => {
    const settings = new SettingsReader(() =>
      configuration({ defaultNamespace: { defaultValue: '', workspaceValue: 'team-a' } }),
    );
    assert.equal(settings.defaultNamespace(), 'team-a');
  });
});
