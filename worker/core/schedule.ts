/**
 * Task schedules as EventBridge writes them, for the cloud (the finder's EventBridge rule) and the local hub (the
 * in-process orchestrator) alike: `rate(N minute|minutes|hour|hours|day|days)`, `cron(<6 fields>)`, or the 6 fields
 * bare as the original's ec2CronExpression holds them (`0/60 * * * ? *`: minutes hours day-of-month month
 * day-of-week year, UTC). Occurrences come from croner; EventBridge's dialect differs from it in two places, which
 * are translated: `a/b` steps from a number (croner wants a range) and day-of-week numbers (EventBridge 1-7 =
 * SUN-SAT, croner 0-6).
 */
import { Cron } from 'croner';
import { InvalidParameterError } from './errors.js';

export type Schedule =
  | { kind: 'rate'; seconds: number; expression: string }
  | { kind: 'cron'; fields: string; expression: string };

const RATE = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/;
const UNIT_SEC: Record<string, number> = { minute: 60, minutes: 60, hour: 3600, hours: 3600, day: 86400, days: 86400 };
/**
 * The longest rate taken: 100 years. EventBridge states no limit, but an interval past a Date's range made the next
 * pass an Invalid Date, and the local hub then ran passes back to back; none this long is ever meant.
 */
const MAX_RATE_SEC = 36_500 * 86400;
/** Field maxima for turning `a/b` into `a-max/b`: minutes, hours, day-of-month, month, day-of-week, year. */
const FIELD_MAX = [59, 23, 31, 12, 7, 2199];
const FIELD_NAMES = ['minutes', 'hours', 'day-of-month', 'month', 'day-of-week', 'year'];

function dayOfWeekToCroner(field: string): string {
  // Day numbers only (names such as MON-FRI mean the same in both; the n of `day#n` stays); `6L` = last Friday → `5#L`.
  return (
    field
      .split(',')
      // `L` alone is the last day of the week, Saturday (7), which croner does not read.
      .map((item) => (item === 'L' ? '7' : item))
      .map((item) => {
        const [days, nth] = item.split('#');
        const converted = days.replace(
          /(\d+)(L)?/g,
          (_m, n: string, last?: string) => `${Number(n) - 1}${last ? '#L' : ''}`,
        );
        return nth === undefined ? converted : `${converted}#${nth}`;
      })
      .join(',')
  );
}

function cronerPattern(fields: string[]): string {
  const stepped = fields.map((f, i) =>
    f.replace(/^(\d+)\/(\d+)$/, (_m, a: string, b: string) => `${a}-${FIELD_MAX[i]}/${b}`),
  );
  stepped[4] = dayOfWeekToCroner(stepped[4]);
  // croner: seconds minutes hours day-of-month month day-of-week year.
  return ['0', ...stepped].join(' ');
}

function compile(fields: string): Cron {
  // UTC as an offset, not as the zone 'UTC': croner reads a zone through Intl, whose time zone data costs every
  // process that merely checks a schedule ~9 MB (the CLI checks the default ec2CronExpression on every run).
  return new Cron(cronerPattern(fields.split(/\s+/)), { paused: true, utcOffset: 0, legacyMode: false });
}

/** Parses a schedule expression; the error names `field`. */
export function parseSchedule(
  text: string,
  field = 'ec2CronExpression',
  label = 'Schedule (cron expression)',
): Schedule {
  const expr = text.trim();
  const bad = (why: string) => new InvalidParameterError(field, `"${expr}" ${why}`, label);
  const rate = RATE.exec(expr);
  if (rate) {
    const n = Number(rate[1]);
    const singular = rate[2].endsWith('s') ? rate[2].slice(0, -1) : rate[2];
    if (n < 1) throw bad('must be at least 1');
    if (n * UNIT_SEC[rate[2]] > MAX_RATE_SEC) throw bad('is longer than 100 years (36500 days)');
    if ((n === 1) !== (rate[2] === singular)) throw bad(`should say "${n} ${n === 1 ? singular : `${singular}s`}"`);
    return { kind: 'rate', seconds: n * UNIT_SEC[rate[2]], expression: expr };
  }
  if (expr.startsWith('rate(')) throw bad('is not a rate expression like rate(1 hour) or rate(30 minutes)');
  const inner = /^cron\((.*)\)$/.exec(expr)?.[1].trim() ?? expr;
  const fields = inner.split(/\s+/);
  if (fields.length !== 6) {
    throw bad(`is not a schedule: give 6 cron fields (${FIELD_NAMES.join(' ')}, e.g. 0/60 * * * ? *) or rate(1 hour)`);
  }
  // EventBridge: exactly one of day-of-month and day-of-week is '?'.
  if ((fields[2] === '?') === (fields[4] === '?'))
    throw bad('needs "?" in exactly one of day-of-month (3rd field) and day-of-week (5th field)');
  // EventBridge's day-of-week takes `, - * ? L #` and one `#` item: a step there would be read with its days shifted.
  if (fields[4].includes('/'))
    throw bad('has a "/" step in day-of-week (5th field), which EventBridge does not take: list the days (2,4,6)');
  if ((fields[4].match(/#/g) ?? []).length > 1)
    throw bad('has more than one "#" in day-of-week (5th field), which EventBridge does not take');
  try {
    const cron = compile(fields.join(' '));
    if (!cron.nextRun(new Date())) throw new Error('it never runs again');
  } catch (err) {
    // croner's own words without its class name ("CronPattern: Invalid value for minute: 61").
    const why = (err instanceof Error ? err.message : String(err)).replace(/^CronPattern:\s*/, '');
    throw bad(`is not a valid cron expression: ${why}`);
  }
  return { kind: 'cron', fields: fields.join(' '), expression: `cron(${fields.join(' ')})` };
}

/** The expression an EventBridge rule takes: `rate(...)` or `cron(...)`. */
export function eventBridgeExpression(s: Schedule): string {
  return s.expression;
}

/** When the next run starts after `after` (a rate counts from `after`, i.e. from the end of the previous run). */
export function nextRunAfter(s: Schedule, after: Date): Date | undefined {
  if (s.kind === 'rate') return new Date(after.getTime() + s.seconds * 1000);
  return compile(s.fields).nextRun(after) ?? undefined;
}

/**
 * The closest two of the next `runs` runs after `from`: the gap in seconds and when the first of them starts. The
 * original's console refuses schedules whose runs come under 2 minutes apart (a finder pass needs the time); a cron's
 * list or range can put two runs a minute apart anywhere in its cycle, not only as `*\/1`.
 */
export function closestRuns(s: Schedule, from: Date, runs = 200): { seconds: number; at: Date } | undefined {
  if (s.kind === 'rate') return { seconds: s.seconds, at: from };
  const cron = compile(s.fields);
  let closest: { seconds: number; at: Date } | undefined;
  let previous = cron.nextRun(from);
  for (let i = 1; previous && i < runs; i++) {
    const next = cron.nextRun(previous);
    if (!next) break;
    const seconds = (next.getTime() - previous.getTime()) / 1000;
    if (!closest || seconds < closest.seconds) closest = { seconds, at: previous };
    previous = next;
  }
  return closest;
}

/**
 * The pass after one that ended at `endedAt` and was due at `dueAt`. A cron time is never run twice: a timer that
 * fires a hair before it (libuv rounds to the millisecond), or a clock stepped back, would otherwise find the same
 * time still ahead when a quick pass ends and run it again.
 */
export function nextPassAfter(s: Schedule, endedAt: Date, dueAt?: Date): Date | undefined {
  if (s.kind === 'cron' && dueAt && dueAt > endedAt) return nextRunAfter(s, dueAt);
  return nextRunAfter(s, endedAt);
}
