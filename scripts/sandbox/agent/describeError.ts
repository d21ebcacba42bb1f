/**
 * One line for the agent's log from whatever a call rejected with: the API server's Status
 * message, an Error's first line, or the object itself (a WebSocket error event is neither, and
 * String() of it says "[object Object]").
 */
export function describeError(error: unknown): string {
  const body = (error as { body?: unknown }).body;
  if (typeof body === 'string') {
    try {
      return `HTTP ${(error as { code?: number }).code}: ${(JSON.parse(body) as { message?: string }).message}`;
    } catch {
      // not a Status object
    }
  }
  if (error instanceof Error) return error.message.split('\n')[0];
  return typeof error === 'object' && error !== null ? JSON.stringify(error) : String(error);
}
