// One table owns what a task error means: the CLI's exit code and the API's HTTP status come from it.
import { describe, expect, it } from 'vitest';
import { errorResponse } from '../../../functions/api/api-errors.js';
import { EXIT, TASK_ERRORS, type TaskErrorCode } from '../../../functions/core/error-table.js';
import { InvalidTransitionError, PayloadTooLargeError, TaskConflictError, TaskError, TaskNotFoundError, UnknownTaskError } from '../../../functions/core/errors.js';
import { exitCodeOf } from '../../../bin/cli/errors.js';

describe('TASK_ERRORS', () => {
  it('gives every TaskError its status and the CLI its exit code', () => {
    for (const code of Object.keys(TASK_ERRORS) as TaskErrorCode[]) {
      const error = new TaskError(code, 'x');
      expect(error.httpStatus).toBe(TASK_ERRORS[code].httpStatus);
      expect(exitCodeOf(error)).toBe(TASK_ERRORS[code].exitCode);
    }
    expect(new PayloadTooLargeError(2, 1).httpStatus).toBe(413);
    expect(exitCodeOf(new TaskNotFoundError('t'))).toBe(EXIT.notFound);
  });

  it('answers in the API error shape with the same exit code; a conflict names the existing task', () => {
    const internal: unknown[] = [];
    const conflict = errorResponse(new TaskConflictError('t1', { function: 'f', status: 'RUNNING', createdAt: '2026-12-02T00:00:00.000Z' }), (e) => internal.push(e));
    expect(conflict.statusCode).toBe(409);
    expect(JSON.parse(conflict.body ?? '')).toEqual({
      error: { code: 'TaskConflict', message: expect.stringContaining("'t1'") as string, exitCode: EXIT.conflict, taskId: 't1', existing: { function: 'f', status: 'RUNNING', createdAt: '2026-12-02T00:00:00.000Z' } },
    });
    expect(errorResponse(new UnknownTaskError('x', ['f']), () => undefined).statusCode).toBe(404);
    expect(errorResponse(new InvalidTransitionError('t', 'SUCCEEDED', 'STOPPED'), () => undefined).statusCode).toBe(409);
    expect(internal).toEqual([]);
  });

  it('answers anything unexpected with a 500 that says nothing of it, and reports it', () => {
    const internal: unknown[] = [];
    const answer = errorResponse(new Error('secret detail'), (e) => internal.push(e));
    expect(answer.statusCode).toBe(500);
    expect(answer.body).not.toContain('secret detail');
    expect(JSON.parse(answer.body ?? '')).toMatchObject({ error: { code: 'InternalError', exitCode: EXIT.failure } });
    expect(internal).toHaveLength(1);
  });
});
