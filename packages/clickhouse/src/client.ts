// The one way Tributary components reach ClickHouse: HTTP through @clickhouse/client, to a
// ClickHouse server or to the local stack's embedded engine (services/clickhouse-embedded).
// House settings, applied to every query so results do not depend on the server version:
// - output_format_json_quote_64bit_integers=1: (U)Int64 values arrive as strings in JSON formats.
//   ClickHouse 25.9 changed the default to unquoted numbers, which JavaScript rounds above 2^53
//   (ids, offsets, counters). Callers convert with BigInt/Number where they know the range.
// The client's own logger is off: it writes to the console, and every error it would log is
// thrown to the caller, which logs it once with context through pino.
import { ClickHouseLogLevel, createClient } from '@clickhouse/client';
import type { ClickHouseClient } from '@clickhouse/client';
import type { ClickHouseSettings } from '@tributary/config';

export type { ClickHouseClient } from '@clickhouse/client';

export const HOUSE_SETTINGS = {
  output_format_json_quote_64bit_integers: 1,
} as const;

export function createClickHouseClient(settings: ClickHouseSettings, application = 'tributary'): ClickHouseClient {
  return createClient({
    url: settings.url,
    username: settings.username,
    password: settings.password,
    database: settings.database,
    request_timeout: settings.requestTimeoutMs,
    application,
    clickhouse_settings: { ...HOUSE_SETTINGS },
    log: { level: ClickHouseLogLevel.OFF },
  });
}
