import { request } from 'node:http';
import { existsSync } from 'node:fs';

/** True when a Docker engine answers GET /_ping on the socket within the timeout. */
export async function dockerEngineAnswers(socketPath: string, timeoutMs = 1500): Promise<boolean> {
  if (!existsSync(socketPath)) return false;
  return new Promise((resolve) => {
    const req = request({ socketPath, path: '/_ping', method: 'GET', timeout: timeoutMs }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
    req.end();
  });
}
