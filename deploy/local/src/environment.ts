// The environment the stack works in: settings are read from it (through @tributary/config),
// and child processes inherit it (PATH to find java and mvn, HOME for ~/.m2, JAVA_HOME...).
// Callers (tests) pass their own; otherwise it is this process's, passed through unread.

import { processEnvironment } from '@tributary/config';

export type Environment = Record<string, string | undefined>;

export function inheritedEnvironment(given: Environment | undefined): Environment {
  return given ?? processEnvironment();
}
