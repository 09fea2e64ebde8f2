import { CommanderError } from 'commander';
import { describe, expect, it } from 'vitest';
import { CliError, errorMessage, EXIT, exitCodeOf, UsageError } from '../../bin/cli/errors.js';
import {
  InvalidListQueryError,
  InvalidPayloadError,
  InvalidTaskIdError,
  InvalidTransitionError,
  MissingConfigurationError,
  PayloadTooLargeError,
  TaskConflictError,
  TaskNotFoundError,
  UnknownTaskError,
} from '../../functions/core/errors.js';

describe('exitCodeOf', () => {
  it.each([
    ['InvalidTaskId', new InvalidTaskIdError('bad'), 2],
    ['InvalidPayload', new InvalidPayloadError('bad'), 2],
    ['PayloadTooLarge', new PayloadTooLargeError(11, 10), 2],
    ['InvalidListQuery', new InvalidListQueryError('bad'), 2],
    ['UnknownTask', new UnknownTaskError('nope', ['a']), 2],
    ['TaskConflict', new TaskConflictError('t', { function: 'f', status: 'QUEUED', createdAt: 'x' }), 3],
    ['InvalidTransition', new InvalidTransitionError('t', 'SUCCEEDED', 'STOPPED'), 3],
    ['TaskNotFound', new TaskNotFoundError('t'), 4],
    ['MissingConfiguration', new MissingConfigurationError('X'), 1],
    ['UsageError', new UsageError('bad --since'), 2],
    ['CliError', new CliError('no platform'), 1],
    ['CliError with a code', new CliError('conflict', EXIT.conflict), 3],
    ['a commander usage error', new CommanderError(1, 'commander.unknownOption', "error: unknown option '--x'"), 2],
    ['--help', new CommanderError(0, 'commander.helpDisplayed', '(outputHelp)'), 0],
    ['an SDK error', Object.assign(new Error('throttled'), { name: 'ThrottlingException' }), 1],
    ['a thrown string', 'boom', 1],
  ])('maps %s to its exit code', (_name, error, code) => {
    expect(exitCodeOf(error)).toBe(code);
  });
});

describe('errorMessage', () => {
  it('keeps task-model and CLI messages as they are', () => {
    expect(errorMessage(new TaskNotFoundError('abc'))).toBe("task 'abc' not found");
    expect(errorMessage(new UsageError('ls needs --status'))).toBe('ls needs --status');
  });

  it('names other errors and keeps only the first line', () => {
    const error = Object.assign(new Error('Requested resource not found\n  at somewhere'), { name: 'ResourceNotFoundException' });
    expect(errorMessage(error)).toBe('ResourceNotFoundException: Requested resource not found');
  });

  it('says what a refused connection is even though Node leaves its message empty', () => {
    // Prepare: what Node reports when every address of a host refuses the connection.
    const refused = new AggregateError([new Error('connect ECONNREFUSED 127.0.0.1:4567')], '');
    Object.assign(refused, { code: 'ECONNREFUSED' });
    // Act / Assess
    expect(errorMessage(refused)).toBe('AggregateError: connect ECONNREFUSED 127.0.0.1:4567');
  });

  it('strips commander\'s "error: " prefix', () => {
    expect(errorMessage(new CommanderError(1, 'commander.missingArgument', "error: missing required argument 'id'"))).toBe(
      "missing required argument 'id'",
    );
  });
});
