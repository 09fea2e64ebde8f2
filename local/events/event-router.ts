// The platform's EventBridge bus: each event goes to the Lambda targets of every rule whose pattern matches it
// (S3 object events, Step Functions status changes). Events published before the Lambda service serves (an
// execution failed on start because the previous process stopped) wait until open().
import { matchesEventPattern } from './event-pattern.js';

export interface EventRule {
  readonly pattern: unknown;
  readonly functionNames: readonly string[];
}

export class EventRouter {
  private held: unknown[] | undefined = [];

  constructor(
    private readonly rules: readonly EventRule[],
    private readonly invokeAsync: (functionName: string, event: unknown) => void,
  ) {}

  publish(event: unknown): void {
    if (this.held) {
      this.held.push(event);
      return;
    }
    for (const rule of this.rules) {
      if (!matchesEventPattern(event, rule.pattern)) continue;
      for (const name of rule.functionNames) this.invokeAsync(name, event);
    }
  }

  /** From now on events are delivered; the held ones first. */
  open(): void {
    const held = this.held ?? [];
    this.held = undefined;
    for (const event of held) this.publish(event);
  }
}
