// The Step Functions API on loopback, for code that reaches Step Functions only through the AWS SDK's
// SFNClient (`AWS_ENDPOINT_URL_SFN`). This file is the transport — AWS's JSON 1.0 protocol
// (`X-Amz-Target: AWSStepFunctions.<Action>`), errors as `{"__type": "com.amazonaws.swf.service.v2.model#<Code>",
// "message"}` with HTTP 400, which the SDK turns into its typed exceptions (ExecutionAlreadyExists,
// ExecutionDoesNotExist, ...) — and the composition of the store, the runtime and the API semantics (api.ts).
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { closeAfterRefusal, HttpApiError, readBody } from '../http/guard.js';
import { SfnApi, type Body } from './api.js';
import type { TaskDispatcher } from './dispatcher.js';
import { SfnApiError } from './errors.js';
import { ExecutionRuntime } from './runtime.js';
import { ExecutionStore, type ExecutionRecord } from './store.js';

export interface LocalStepFunctionsOptions {
  /** Records are kept under `<dataDir>/stepfunctions/`. */
  readonly dataDir: string;
  readonly dispatcher: TaskDispatcher;
  /** @default "us-east-1" */
  readonly region?: string;
  /** @default "000000000000" */
  readonly accountId?: string;
  /**
   * What happens to executions that were RUNNING when the previous process stopped: `false` fails them
   * (States.Runtime, "the embedded platform stopped while this execution ran"); `true` runs them again,
   * from the top-level state that was running (as a redrive does, without counting one).
   * @default false
   */
  readonly resumeRunning?: boolean;
  /** Wait state durations in ms: one number for every Wait state, or per state name. @default the definition's */
  readonly waitTimeOverrides?: number | Readonly<Record<string, number>>;
  /** Retry intervals in ms: one number for every retrier, or per state name. @default the definition's */
  readonly retryIntervalOverrides?: number | Readonly<Record<string, number | readonly number[]>>;
  /** @default console.error */
  readonly log?: (message: string, error?: unknown) => void;
  /**
   * Called with each execution that has just ended (SUCCEEDED, FAILED, TIMED_OUT, ABORTED), those failed on
   * start because the previous process stopped included: the platform publishes its status-change event.
   */
  readonly onExecutionEnded?: (record: ExecutionRecord) => void;
}

export const INTERRUPTED_CAUSE = 'the embedded platform stopped while this execution ran';

const ERROR_NAMESPACE = 'com.amazonaws.swf.service.v2.model';
/** A request carries at most one input or definition (1 MiB) and its other fields: a larger body is refused unread. */
const MAX_REQUEST_BYTES = 2 * 1024 * 1024;

export class LocalStepFunctions {
  readonly region: string;
  readonly accountId: string;
  private readonly store: ExecutionStore;
  private readonly runtime: ExecutionRuntime;
  private readonly log: (message: string, error?: unknown) => void;
  private readonly api: SfnApi;
  private server: Server | undefined;
  private closed = false;

  constructor(options: LocalStepFunctionsOptions) {
    this.region = options.region ?? 'us-east-1';
    this.accountId = options.accountId ?? '000000000000';
    this.log = options.log ?? ((message, error) => console.error(`[stepfunctions] ${message}`, error ?? ''));
    this.store = new ExecutionStore(options.dataDir, this.log);
    this.runtime = new ExecutionRuntime({
      store: this.store,
      dispatcher: options.dispatcher,
      region: this.region,
      log: this.log,
      ...(options.onExecutionEnded ? { onEnded: options.onExecutionEnded } : {}),
      ...(options.waitTimeOverrides === undefined ? {} : { waitTimeOverrides: options.waitTimeOverrides }),
      ...(options.retryIntervalOverrides === undefined ? {} : { retryIntervalOverrides: options.retryIntervalOverrides }),
    });
    this.api = new SfnApi({ store: this.store, runtime: this.runtime, region: this.region, accountId: this.accountId });
    this.recoverInterrupted(options.resumeRunning ?? false);
  }

  /**
   * Creates or replaces a state machine (the platform registers what the template declares on each start).
   * Throws SfnApiError InvalidName / InvalidDefinition. Returns its ARN.
   */
  registerStateMachine(name: string, definition: string | object, roleArn?: string): string {
    return this.api.registerStateMachine(name, definition, roleArn);
  }

  stateMachineArn(name: string): string {
    return this.api.stateMachineArn(name);
  }

  /** Serves the API on 127.0.0.1; returns the endpoint (`http://127.0.0.1:<port>`). */
  async listen(port = 0): Promise<string> {
    if (this.server) throw new Error('LocalStepFunctions is already listening');
    const server = createServer((req, res) => void this.onRequest(req, res));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    return this.endpoint;
  }

  get endpoint(): string {
    const address = this.server?.address() as AddressInfo | null | undefined;
    if (!address) throw new Error('LocalStepFunctions is not listening');
    return `http://127.0.0.1:${address.port}`;
  }

  /** Calls an API action in-process, as the HTTP server does (`call('DescribeExecution', { executionArn })`). */
  call(action: string, input: Body = {}): Promise<Body> {
    return this.api.call(action, input);
  }

  /** Resolves with DescribeExecution's answer once the execution is no longer RUNNING. */
  waitForExecution(executionArn: string): Promise<Body> {
    return this.api.waitForExecution(executionArn);
  }

  /**
   * Stops serving and stops every execution's work as if the process died: running executions stay
   * RUNNING on disk, for the next server over the same data directory to fail or resume.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.runtime.abandonAll();
    const server = this.server;
    if (server) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
    await this.store.close();
  }

  private recoverInterrupted(resume: boolean): void {
    for (const record of this.store.executions.values()) {
      if (record.status !== 'RUNNING') continue;
      if (resume) {
        try {
          this.runtime.start(record, 'resume');
          continue;
        } catch (error) {
          this.log(`could not resume ${record.executionArn}; failing it`, error);
        }
      }
      this.runtime.settle(record, 'FAILED', 'ExecutionFailed', 'States.Runtime', INTERRUPTED_CAUSE);
    }
  }

  private async onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let status = 200;
    let payload: Body;
    try {
      const body = await readBody(req, MAX_REQUEST_BYTES);
      const target = String(req.headers['x-amz-target'] ?? '');
      if (req.method !== 'POST' || !target.startsWith('AWSStepFunctions.')) {
        throw new SfnApiError('UnknownOperationException', `expected POST with X-Amz-Target: AWSStepFunctions.<Action>, got ${req.method} ${target || '(none)'}`);
      }
      const text = body.toString('utf8');
      let input: unknown;
      try {
        input = text ? JSON.parse(text) : {};
      } catch {
        throw new SfnApiError('SerializationException', 'the request body is not JSON');
      }
      if (input === null || typeof input !== 'object' || Array.isArray(input)) throw new SfnApiError('SerializationException', 'the request body is not a JSON object');
      payload = await this.call(target.slice('AWSStepFunctions.'.length), input as Body);
    } catch (error) {
      closeAfterRefusal(req, res, error);
      if (error instanceof SfnApiError || error instanceof HttpApiError) {
        status = error instanceof SfnApiError ? error.statusCode : error.status;
        payload = { __type: `${ERROR_NAMESPACE}#${error.code}`, message: error.message };
      } else {
        this.log('internal error', error);
        status = 500;
        payload = { __type: `${ERROR_NAMESPACE}#InternalFailure`, message: error instanceof Error ? error.message : String(error) };
      }
    }
    const body = JSON.stringify(payload);
    res.writeHead(status, {
      'content-type': 'application/x-amz-json-1.0',
      'content-length': Buffer.byteLength(body),
      'x-amzn-requestid': randomUUID(),
    });
    res.end(body);
  }

}
