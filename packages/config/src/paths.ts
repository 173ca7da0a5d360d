import { fileURLToPath } from 'node:url';

/** Absolute path of the repository root (this file lives at packages/config/src/). */
export function repoRoot(): string {
  return fileURLToPath(new URL('../../../', import.meta.url)).replace(/\/$/, '');
}
