/**
 * A copy of this process's environment, for handing to child processes (PATH, HOME, JAVA_HOME)
 * and to loadConfig. The one sanctioned way to reach the environment outside this package:
 * settings are still read only through convict schemas.
 */
export function processEnvironment(): Record<string, string | undefined> {
  return { ...process.env };
}

/**
 * Sizes libuv's thread pool. Must run before the pool's first use (any fs, zlib, dns or native
 * addon work), so call it right after loading configuration. Engines that run every call on the
 * pool (chDB) need more than the default 4 threads to run queries concurrently.
 */
export function setThreadPoolSize(threads: number): void {
  process.env.UV_THREADPOOL_SIZE = String(Math.max(1, Math.min(1024, Math.floor(threads))));
}
