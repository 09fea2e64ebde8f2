import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { awsJsonErrors, guarded, HttpApiError, readBody } from '../http/guard.js';
import { matchesFilterPattern, type LogStore } from './log-store.js';

const MAX_REQUEST_BYTES = 1024 * 1024;

/**
 * The CloudWatch Logs API subset the CLI uses (FilterLogEvents, DescribeLogGroups), AWS JSON 1.1
 * protocol, so `stask logs` reads local logs through the same SDK call as on AWS.
 */
export async function startLogsApi(store: LogStore, knownGroups: () => string[]): Promise<{ endpoint: string; close(): Promise<void> }> {
  const server: Server = createServer(
    guarded(async (req, res) => {
      const body = await readBody(req, MAX_REQUEST_BYTES);
      const action = String(req.headers['x-amz-target'] ?? '').replace(/^Logs_20140328\./, '');
      let input: Record<string, unknown>;
      try {
        input = JSON.parse(body.toString('utf8') || '{}') as Record<string, unknown>;
      } catch {
        throw new HttpApiError(400, 'SerializationException', 'the request body is not JSON');
      }
      if (input === null || typeof input !== 'object' || Array.isArray(input)) throw new HttpApiError(400, 'SerializationException', 'the request body is not a JSON object');
      const reply = (status: number, body: unknown): void => {
        res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
        res.end(JSON.stringify(body));
      };
      if (action === 'DescribeLogGroups') {
        return reply(200, { logGroups: knownGroups().map((logGroupName) => ({ logGroupName })) });
      }
      if (action !== 'FilterLogEvents') {
        return reply(400, { __type: 'InvalidOperationException', message: `${action} is not served by the embedded platform` });
      }
      const group = String(input.logGroupName ?? '');
      if (!knownGroups().includes(group)) {
        return reply(400, { __type: 'ResourceNotFoundException', message: `The specified log group does not exist: ${group}` });
      }
      const start = Number(input.startTime ?? 0);
      const end = Number(input.endTime ?? Number.MAX_SAFE_INTEGER);
      const limit = Math.min(Number(input.limit ?? 10_000), 10_000);
      const offset = Number(input.nextToken ?? 0);
      const matching = store
        .read(group)
        .filter((e) => e.timestamp >= start && e.timestamp <= end && matchesFilterPattern(e.message, input.filterPattern as string | undefined));
      const page = matching.slice(offset, offset + limit);
      return reply(200, {
        events: page,
        searchedLogStreams: [],
        ...(offset + limit < matching.length ? { nextToken: String(offset + limit) } : {}),
      });
    }, awsJsonErrors('application/x-amz-json-1.1')),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
