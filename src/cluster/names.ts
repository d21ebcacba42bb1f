import { KubeMlError } from './errors';

/**
 * Kubernetes object names: RFC 1123 labels (namespaces, pods' DNS-facing names, services) and
 * RFC 1123 subdomains (most other objects). Validators return a user-facing message naming the
 * broken rule, or undefined when the name is valid, so they plug into an input box's validateInput.
 */
export const DNS_LABEL_MAX = 63;
export const DNS_SUBDOMAIN_MAX = 253;

const LABEL_PATTERN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const SUBDOMAIN_PATTERN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

function firstProblem(value: string, allowDots: boolean, max: number): string | undefined {
  if (value.length === 0) {
    return 'it is empty';
  }
  if (value.length > max) {
    return `it is ${value.length} characters long; the limit is ${max}`;
  }
  if (/[A-Z]/.test(value)) {
    return 'it contains upper-case letters';
  }
  const bad = allowDots ? /[^a-z0-9.-]/.exec(value) : /[^a-z0-9-]/.exec(value);
  if (bad) {
    return bad[0] === ' ' ? 'it contains a space' : `it contains "${bad[0]}"`;
  }
  if (!/^[a-z0-9]/.test(value)) {
    return 'it does not start with a letter or digit';
  }
  if (!/[a-z0-9]$/.test(value)) {
    return 'it does not end with a letter or digit';
  }
  if (allowDots && /\.[^a-z0-9]|[^a-z0-9]\./.test(value)) {
    return 'each dot-separated part must start and end with a letter or digit';
  }
  return undefined;
}

/** Message for an invalid RFC 1123 label (namespaces, pod and service names), else undefined. */
export function validateDnsLabel(value: string, what = 'name'): string | undefined {
  if (LABEL_PATTERN.test(value) && value.length <= DNS_LABEL_MAX) {
    return undefined;
  }
  const problem = firstProblem(value, false, DNS_LABEL_MAX) ?? 'it is not a DNS-1123 label';
  const suggestion = toDnsLabel(value);
  return `"${value}" is not a valid ${what}: ${problem}. Use at most ${DNS_LABEL_MAX} lower-case letters, digits and "-", starting and ending with a letter or digit (DNS-1123 label)${suggestion && suggestion !== value ? `, for example "${suggestion}"` : ''}.`;
}

/** Message for an invalid RFC 1123 subdomain (most object names), else undefined. */
export function validateDnsSubdomain(value: string, what = 'name'): string | undefined {
  if (SUBDOMAIN_PATTERN.test(value) && value.length <= DNS_SUBDOMAIN_MAX) {
    return undefined;
  }
  const problem = firstProblem(value, true, DNS_SUBDOMAIN_MAX) ?? 'it is not a DNS-1123 subdomain';
  return `"${value}" is not a valid ${what}: ${problem}. Use at most ${DNS_SUBDOMAIN_MAX} lower-case letters, digits, "-" and ".", each dot-separated part starting and ending with a letter or digit (DNS-1123 subdomain).`;
}

/** Throws an 'invalidInput' KubeMlError when `value` is not a DNS-1123 label. */
export function assertDnsLabel(value: string, what = 'name'): void {
  const message = validateDnsLabel(value, what);
  if (message) {
    throw new KubeMlError('invalidInput', message, 'Choose another name.');
  }
}

/** Throws an 'invalidInput' KubeMlError when `value` is not a DNS-1123 subdomain. */
export function assertDnsSubdomain(value: string, what = 'name'): void {
  const message = validateDnsSubdomain(value, what);
  if (message) {
    throw new KubeMlError('invalidInput', message, 'Choose another name.');
  }
}

/**
 * The closest valid label to free text ("Alice's Llama_7B" -> "alice-s-llama-7b"), cut to
 * `maxLength`; empty when nothing usable is left.
 */
export function toDnsLabel(text: string, maxLength = DNS_LABEL_MAX): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/-+/g, '-')
    .replace(/^-+/, '')
    .slice(0, maxLength)
    .replace(/-+$/, '');
}
