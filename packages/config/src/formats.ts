// Value formats shared by every fragment. Registered once with convict before any schema loads.
import convict from 'convict';

function assertHttpUrl(value: unknown): void {
  if (typeof value !== 'string') throw new Error('must be an http(s) URL string');
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error(`must be an http(s) URL, got "${value}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`must use http or https, got "${url.protocol}"`);
}

let registered = false;

export function registerFormats(): void {
  if (registered) return;
  registered = true;

  convict.addFormat({ name: 'http-url', validate: assertHttpUrl });

  convict.addFormat({
    name: 'optional-http-url',
    validate: (value: unknown) => {
      if (value !== '') assertHttpUrl(value);
    },
  });

  convict.addFormat({
    name: 'broker-list',
    validate(value: unknown) {
      if (!Array.isArray(value) || value.length === 0) throw new Error('must be a non-empty list of host:port');
      for (const broker of value) {
        if (typeof broker !== 'string' || !/^[^\s:]+:\d{1,5}$/.test(broker)) throw new Error(`"${String(broker)}" is not host:port`);
      }
    },
    coerce: (value: unknown) =>
      typeof value === 'string'
        ? value
            .split(',')
            .map((part) => part.trim())
            .filter(Boolean)
        : value,
  });

  convict.addFormat({
    name: 'positive-int',
    validate(value: unknown) {
      if (!Number.isSafeInteger(value) || (value as number) <= 0) throw new Error(`must be a positive integer, got ${String(value)}`);
    },
    coerce: (value: unknown) => (typeof value === 'string' ? Number(value) : value),
  });
}
