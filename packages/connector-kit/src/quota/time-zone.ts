// Calendar arithmetic in an IANA time zone with Intl (DST-aware, no tz database of our own).

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterOf(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** The wall-clock time in `timeZone` at `epochMs`, expressed as if it were UTC (ms precision dropped to seconds). */
function wallClockAsUtc(epochMs: number, timeZone: string): number {
  const parts: Record<string, number> = {};
  for (const part of formatterOf(timeZone).formatToParts(epochMs)) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value);
  }
  return Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour!, parts.minute!, parts.second!);
}

/** Offset of `timeZone` from UTC at `epochMs`, in ms (Los Angeles: -8 h in winter, -7 h in summer). */
export function zoneOffsetMs(epochMs: number, timeZone: string): number {
  const wholeSecond = Math.floor(epochMs / 1000) * 1000;
  return wallClockAsUtc(wholeSecond, timeZone) - wholeSecond;
}

/** The first instant of the next calendar day in `timeZone` after `epochMs` (YouTube's quota reset: midnight Pacific). */
export function startOfNextDay(epochMs: number, timeZone: string): number {
  const wall = new Date(wallClockAsUtc(epochMs, timeZone));
  const nextMidnightWall = Date.UTC(wall.getUTCFullYear(), wall.getUTCMonth(), wall.getUTCDate() + 1);
  // Solve instant = wall - offset(instant); two rounds settle across a DST change.
  let instant = nextMidnightWall - zoneOffsetMs(epochMs, timeZone);
  for (let round = 0; round < 3; round++) {
    const next = nextMidnightWall - zoneOffsetMs(instant, timeZone);
    if (next === instant) break;
    instant = next;
  }
  return instant;
}
