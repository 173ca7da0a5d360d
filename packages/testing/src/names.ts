import { randomBytes } from 'node:crypto';

/** A topic, group or table name no other test (or earlier run) uses: prefix + time + random suffix. */
export function uniqueName(prefix: string, separator = '-'): string {
  return [prefix, Date.now().toString(36), randomBytes(3).toString('hex')].join(separator);
}
