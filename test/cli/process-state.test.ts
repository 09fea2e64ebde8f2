import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { isProcessAlive } from '../../bin/cli/target.js';

// `stask dev` right after `kill -9` of the previous one: its pid is a zombie until reaped, and not alive.
describe('isProcessAlive', () => {
  it('is false for a killed process whose parent never reaps it, true for a live one', async () => {
    // Prepare: `sleep 30` whose parent becomes `sleep 60` (exec), which never reaps it.
    const parent = spawn('sh', ['-c', 'sleep 30 & echo $!; exec sleep 60'], { stdio: ['ignore', 'pipe', 'ignore'] });
    const pid = Number(await new Promise<string>((resolve) => parent.stdout.once('data', (chunk: Buffer) => resolve(chunk.toString().trim()))));
    try {
      expect(isProcessAlive(pid)).toBe(true);

      // Act
      process.kill(pid, 'SIGKILL');
      let alive = true;
      for (let i = 0; i < 200 && alive; i++) {
        alive = isProcessAlive(pid);
        if (alive) await new Promise((resolve) => setTimeout(resolve, 10));
      }

      // Assess: signal 0 still reaches the zombie; it counts as gone.
      expect(alive).toBe(false);
      expect(() => process.kill(pid, 0)).not.toThrow();
    } finally {
      parent.kill('SIGKILL');
    }
  });
});
