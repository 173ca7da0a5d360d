// A scripted OAuth token endpoint on 127.0.0.1:0 for authenticator tests.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface TokenCall {
  method: string;
  path: string;
  params: Record<string, string>;
}

export type TokenReply = { status: number; body: unknown };

export interface TokenServer {
  baseUrl: string;
  calls: TokenCall[];
  close(): Promise<void>;
}

export async function startTokenServer(reply: (call: TokenCall) => TokenReply | Promise<TokenReply>): Promise<TokenServer> {
  const calls: TokenCall[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const url = new URL(request.url ?? '/', 'http://127.0.0.1');
      const params = Object.fromEntries(
        request.method === 'POST' ? new URLSearchParams(Buffer.concat(chunks).toString('utf8')) : url.searchParams,
      );
      const call = { method: request.method ?? 'GET', path: url.pathname, params };
      calls.push(call);
      void Promise.resolve(reply(call)).then(({ status, body }) => {
        response.writeHead(status, { 'content-type': 'application/json' });
        response.end(JSON.stringify(body));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    calls,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A TikTok-like endpoint: every refresh rotates the refresh token and the old one stops working. */
export function rotatingTikTok(initialRefreshTokens: string[]): { reply: (call: TokenCall) => TokenReply; issued: string[] } {
  const valid = new Set(initialRefreshTokens);
  const issued: string[] = [];
  let sequence = 0;
  return {
    issued,
    reply(call) {
      const presented = call.params.refresh_token ?? '';
      if (call.params.grant_type !== 'refresh_token' || !valid.has(presented)) {
        return {
          status: 400,
          body: { error: 'invalid_grant', error_description: 'Refresh token is invalid or expired.', log_id: 'log-1' },
        };
      }
      valid.delete(presented);
      sequence++;
      const refreshToken = `rt-rotated-${sequence}-secret`;
      valid.add(refreshToken);
      issued.push(refreshToken);
      return {
        status: 200,
        body: {
          access_token: `at-new-${sequence}-secret`,
          expires_in: 7200,
          refresh_token: refreshToken,
          refresh_expires_in: 15_552_000,
          open_id: 'open-1',
          scope: 'user.info.basic,video.list',
          token_type: 'Bearer',
        },
      };
    },
  };
}
