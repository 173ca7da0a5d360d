export { createClickHouseClient, HOUSE_SETTINGS } from './client.ts';
export type { ClickHouseClient } from './client.ts';
