// The upload trigger's core (functions/triggers/upload-trigger.ts) with the task client the handler builds
// (createTaskClient, the real Step Functions invoker) against dynalite and the embedded Step Functions.
import { DescribeExecutionCommand } from '@aws-sdk/client-sfn';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { describe, expect, it } from 'vitest';
import { createTaskClient } from '../../../functions/core/create-task-client.js';
import { executionNameOf } from '../../../functions/core/execution-name.js';
import { TaskRegistry } from '../../../functions/core/registry.js';
import { startTasksForUpload, uploadTaskId } from '../../../functions/triggers/upload-trigger.js';
import { createTaskTable } from '../../support/embedded-servers.js';
import { uniqueName, type Sfn, type Storage } from '../../local/stepfunctions/harness.js';
import { useStepFunctions } from '../../support/step-functions.js';

let storage: Storage;
let sfn: Sfn;
useStepFunctions((started) => ({ storage, sfn } = started));

const config = { taskName: 'transcode', outputFormats: ['mp4', 'm3u8'], outputDir: 'transcoded', prefix: 'uploads/' };

describe('uploadTaskId', () => {
  it('is the same for a repeated event and different for a new version or format', () => {
    const object = { bucket: 'media', key: 'uploads/a/My clip.mp4', versionId: 'v1' };
    expect(uploadTaskId(object, 'mp4')).toBe(uploadTaskId({ ...object }, 'mp4'));
    expect(uploadTaskId(object, 'mp4')).toMatch(/^up_My_clip_mp4_mp4_[0-9a-f]{16}$/);
    expect(uploadTaskId({ ...object, versionId: 'v2' }, 'mp4')).not.toBe(uploadTaskId(object, 'mp4'));
    expect(uploadTaskId(object, 'm3u8')).not.toBe(uploadTaskId(object, 'mp4'));
  });
});

describe('startTasksForUpload', () => {
  it('starts one execution per output format, and a repeated event starts nothing new', async () => {
    // Prepare
    const stateMachineArn = sfn.server.registerStateMachine(uniqueName('Transcode'), { StartAt: 'Done', States: { Done: { Type: 'Succeed' } } });
    const registry = new TaskRegistry(storage.dynamo.doc, await createTaskTable(storage.dynamo));
    const client = createTaskClient({
      registry,
      tasks: { transcode: { kind: 'stepfunctions', stateMachineArn, maxAttempts: 1 } },
      lambda: () => new LambdaClient({}),
      sfn: () => sfn.client,
      sqs: () => storage.sqs.client,
    });
    const object = { bucket: 'media', key: 'uploads/a/b/in.mp4', etag: 'e1' };
    // Act
    const first = await startTasksForUpload(client, config, object);
    const again = await startTasksForUpload(client, config, object);
    // Assess
    expect(first.map((s) => s.deduplicated)).toEqual([false, false]);
    expect(again.map((s) => s.deduplicated)).toEqual([true, true]);
    for (const [i, format] of config.outputFormats.entries()) {
      const taskId = uploadTaskId(object, format);
      expect(first[i]?.taskId).toBe(taskId);
      const task = await registry.get(taskId);
      expect(task.payload).toEqual({ bucket: 'media', object: 'uploads/a/b/in.mp4', output_dir: 'transcoded/a/b', dst_format: format });
      const executionArn = `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${executionNameOf(taskId, 0)}`;
      await sfn.server.waitForExecution(executionArn);
      expect((await sfn.client.send(new DescribeExecutionCommand({ executionArn }))).status).toBe('SUCCEEDED');
    }
  });

});
