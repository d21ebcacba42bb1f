import * as yaml from 'js-yaml';

// kubectl reads kubeconfig files with a YAML 1.1 parser: y/yes/on and n/no/off (any of the three
// usual casings) are booleans there, so `insecure-skip-tls-verify: yes` means true, and an
// unquoted `token: yes` is a boolean where a string belongs. js-yaml's default schema is YAML 1.2's.
const TRUE_WORDS = ['y', 'Y', 'yes', 'Yes', 'YES', 'true', 'True', 'TRUE', 'on', 'On', 'ON'];
const FALSE_WORDS = ['n', 'N', 'no', 'No', 'NO', 'false', 'False', 'FALSE', 'off', 'Off', 'OFF'];

const yaml11Bool = new yaml.Type('tag:yaml.org,2002:bool', {
  kind: 'scalar',
  resolve: (data: string | null) =>
    data !== null && (TRUE_WORDS.includes(data) || FALSE_WORDS.includes(data)),
  construct: (data: string) => TRUE_WORDS.includes(data),
  predicate: (object: unknown) => typeof object === 'boolean',
  represent: { lowercase: (object: object) => (object.valueOf() ? 'true' : 'false') },
  defaultStyle: 'lowercase',
});

/** js-yaml's core schema with YAML 1.1 booleans, as kubectl's parser reads a kubeconfig. */
export const KUBECONFIG_YAML_SCHEMA = yaml.CORE_SCHEMA.extend({ implicit: [yaml11Bool] });
