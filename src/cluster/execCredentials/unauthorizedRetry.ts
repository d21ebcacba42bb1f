import {
  wrapHttpLibrary,
  type HttpLibrary,
  type RequestContext,
  type ResponseContext,
  type SecurityAuthentication,
} from '@kubernetes/client-node';

/** The credentials behind requests, able to drop the one a 401 refused. */
export interface RefreshableCredentials extends SecurityAuthentication {
  /** True when a new credential can be fetched for the next request. */
  rejectCredentials(): boolean;
}

/**
 * client-go's answer to a 401 with exec credentials: refresh once and retry. The request is sent
 * again with a new credential only when there is one to get; a second 401 reaches the caller.
 */
export function retryUnauthorizedOnce(
  inner: HttpLibrary,
  credentials: RefreshableCredentials,
): HttpLibrary {
  return wrapHttpLibrary({
    send: async (request: RequestContext): Promise<ResponseContext> => {
      const response = await inner.send(request).toPromise();
      if (response.httpStatusCode !== 401 || !credentials.rejectCredentials()) return response;
      // Read the refusal so its connection is free for the retry.
      await response.body.binary();
      await credentials.applySecurityAuthentication(request);
      return inner.send(request).toPromise();
    },
  });
}
