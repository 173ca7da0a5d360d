// YouTube Data API quota: units per day per project, reset at midnight in quotaTimeZone
// (America/Los_Angeles, DST-aware) on the simulated clock. Every request costs its method's units
// (all list reads: 1), including invalid ones; a 304 costs notModifiedCost.

const DATE_FORMATS = new Map<string, Intl.DateTimeFormat>();

/** `YYYY-MM-DD` of `time` in `timeZone`. */
export function zonedDate(time: number, timeZone: string): string {
  let format = DATE_FORMATS.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
    DATE_FORMATS.set(timeZone, format);
  }
  return format.format(new Date(time));
}

/** The first instant of the zoned calendar day `date` (YYYY-MM-DD). */
export function startOfZonedDay(date: string, timeZone: string): number {
  const [y = 0, m = 1, d = 1] = date.split('-').map(Number);
  // Midnight UTC of that date is within ±14 h of the zoned midnight: bisect to the millisecond.
  let low = Date.UTC(y, m - 1, d) - 15 * 3_600_000;
  let high = Date.UTC(y, m - 1, d) + 15 * 3_600_000;
  while (high - low > 1) {
    const mid = Math.floor((low + high) / 2);
    if (zonedDate(mid, timeZone) < date) low = mid;
    else high = mid;
  }
  return high;
}

/** The next zoned midnight after `time`. */
export function nextZonedMidnight(time: number, timeZone: string): number {
  const today = zonedDate(time, timeZone);
  // 26 h later is always the next calendar day, even across a DST change.
  return startOfZonedDay(zonedDate(startOfZonedDay(today, timeZone) + 26 * 3_600_000, timeZone), timeZone);
}

export class DailyQuota {
  #day = '';
  #used = 0;

  /** Units used today (as of `now`). */
  used(now: number, timeZone: string): number {
    this.#roll(now, timeZone);
    return this.#used;
  }

  exhausted(now: number, timeZone: string, limit: number): boolean {
    return this.used(now, timeZone) >= limit;
  }

  charge(units: number, now: number, timeZone: string): void {
    this.#roll(now, timeZone);
    this.#used += units;
  }

  #roll(now: number, timeZone: string): void {
    const day = zonedDate(now, timeZone);
    if (day !== this.#day) {
      this.#day = day;
      this.#used = 0;
    }
  }
}
