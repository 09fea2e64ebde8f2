// The template's HTTP APIs on the embedded platform: a loopback server each, and the stack outputs with each API's
// execute-api URL (`https://<api>.execute-api.<region>.amazonaws.com/...`) replaced by its local URL.
import type { HttpApiSpec } from '../provision/apigateway.js';
import { LOCAL_ACCOUNT_ID, LOCAL_CREDENTIALS, LOCAL_REGION } from '../servers.js';
import { startHttpApiServer, type HttpApiServer, type InvokeOutcome } from './http-api-server.js';

export interface HttpApis {
  /** Each API's local URL, in template order. */
  readonly urls: readonly string[];
  /** The outputs, with the APIs' URLs local. */
  readonly outputs: Readonly<Record<string, string>>;
  close(): Promise<void>;
}

export async function startHttpApis(
  apis: readonly HttpApiSpec[],
  outputs: Readonly<Record<string, string>>,
  invoke: (functionName: string, event: unknown) => Promise<InvokeOutcome>,
  log: (line: string) => void,
): Promise<HttpApis> {
  const servers: HttpApiServer[] = [];
  const close = async (): Promise<void> => {
    for (const server of servers) await server.close();
  };
  try {
    for (const api of apis) {
      servers.push(await startHttpApiServer({ api, invoke, credentials: LOCAL_CREDENTIALS, region: LOCAL_REGION, accountId: LOCAL_ACCOUNT_ID, log }));
    }
  } catch (error) {
    await close();
    throw error;
  }
  const local: Record<string, string> = { ...outputs };
  for (const [key, value] of Object.entries(outputs)) {
    for (const [i, api] of apis.entries()) {
      // The remote URL carries the stage's path already (none for `$default`): only the origin changes.
      const remote = new RegExp(`^https://${api.apiId}\\.execute-api\\.[^/]+\\.amazonaws\\.com(?=/|$)`);
      if (remote.test(value)) local[key] = value.replace(remote, new URL(servers[i]?.url ?? 'http://127.0.0.1').origin);
    }
  }
  return { urls: servers.map((s) => s.url), outputs: local, close };
}
