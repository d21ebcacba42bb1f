import * as assert from 'node:assert/strict';

/** The error a promise rejects with; fails the test when it resolves instead. */
export async function rejectionOf(
  promise: Promise<unknown>,
): Promise<Error & { kind?: string; code?: string }> {
  try {
    await promise;
  } catch (error) {
    return error as Error & { kind?: string; code?: string };
  }
  assert.fail('expected a rejection');
}
