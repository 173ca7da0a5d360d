export { startServer, chdbVersion } from './server.ts';
export type { EmbeddedClickHouse, ServerOptions } from './server.ts';
export { clickhouseEmbeddedSchema, loadClickHouseEmbeddedSettings } from './spec.ts';
export type { ClickHouseEmbeddedSettings } from './spec.ts';
