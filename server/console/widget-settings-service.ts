import { AppError } from '../../shared/errors';
import type { WidgetSettingsSaveInput } from '../../shared/schemas';
import type { Lang } from '../../shared/types';
import { DEFAULT_WIDGET_SETTINGS, type AvailabilityDto, type WidgetSettingsDto } from '../../shared/widget-settings';
import { availabilityAt, isTimeZone, minutesOf, type Availability } from '../chat/business-hours';
import type { Stores } from '../db/store';
import { settingOf } from '../db/settings-of';
import type { Clock } from '../platform/clock';
import type { EventBus } from '../platform/events';
import type { Writer } from '../writer/group-commit';
import type { SettingsWrites } from './settings-writes';

const SETTINGS_KEY = 'widget';
/** Even with no change due, availability is looked at again this often (timers drift; clocks are set). */
const RECHECK_MS = 60 * 60 * 1000;

/**
 * The admin's widget settings (business hours, greeting, away message, rating question) and what they
 * mean now: open or closed, and when the team is back. Announces every change of that on the bus at the
 * moment it happens (a timer set to the next opening or closing), and when the admin saves.
 */
export class WidgetSettingsService {
  private current: WidgetSettingsDto = { ...DEFAULT_WIDGET_SETTINGS };
  private state: Availability;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly deps: {
      settings: Stores['settings'];
      writer: Writer<SettingsWrites>;
      bus: EventBus;
      clock: Clock;
    },
  ) {
    this.state = availabilityAt(this.current, deps.clock.now());
  }

  /** Reads the stored settings; awaited at start, before the server takes connections (everything here then reads memory). */
  async load(): Promise<void> {
    this.current = { ...DEFAULT_WIDGET_SETTINGS, ...(await settingOf<Partial<WidgetSettingsDto>>(this.deps.settings, SETTINGS_KEY, {})) };
    if (!isTimeZone(this.current.timezone)) this.current.timezone = 'UTC';
    this.state = availabilityAt(this.current, this.deps.clock.now());
  }

  settings(): WidgetSettingsDto {
    return structuredClone(this.current);
  }

  /** Open by the hours now, or when the team is back. */
  availability(): AvailabilityDto {
    return { open: this.state.open, nextOpenAt: this.state.nextOpenAt, timezone: this.current.timezone };
  }

  /** The bubble is not shown (to visitors without a conversation) while closed, if the admin says so. */
  bubbleHidden(): boolean {
    return this.current.hideOutsideHours && !this.state.open;
  }

  /** The greeting and away message a visitor reads, in their language; null where the widget's own applies. */
  texts(lang: Lang): { greeting: string | null; awayMessage: string | null } {
    return { greeting: this.current.greeting[lang] || null, awayMessage: this.current.away[lang] || null };
  }

  async save(input: WidgetSettingsSaveInput): Promise<WidgetSettingsDto> {
    if (!isTimeZone(input.timezone)) throw new AppError('invalid_payload', `Unknown time zone: ${input.timezone}.`);
    const week = input.week.map((ranges, day) => {
      const sorted = [...ranges].sort((a, b) => minutesOf(a.from) - minutesOf(b.from));
      sorted.forEach((range, i) => {
        if (minutesOf(range.to) <= minutesOf(range.from))
          throw new AppError('invalid_payload', `${DAY_NAMES[day]}: ${range.from}–${range.to} ends before it starts.`);
        if (i > 0 && minutesOf(range.from) < minutesOf(sorted[i - 1].to))
          throw new AppError('invalid_payload', `${DAY_NAMES[day]}: ${range.from}–${range.to} overlaps the range before it.`);
      });
      return sorted;
    });
    const next: WidgetSettingsDto = { ...input, week, holidays: [...new Set(input.holidays)].sort() };
    await this.deps.writer.run('settingsPut', { key: SETTINGS_KEY, value: next });
    this.current = next;
    this.refresh(true);
    return this.settings();
  }

  /** Starts following the hours: a change of open/closed is announced when it happens. */
  start(): void {
    this.refresh(false);
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /** Looks again now; announces the availability when it changed (or always, after a save). */
  refresh(announce: boolean): void {
    const before = this.state;
    this.state = availabilityAt(this.current, this.deps.clock.now());
    if (announce || before.open !== this.state.open || before.nextOpenAt !== this.state.nextOpenAt) {
      this.deps.bus.emit('availability:changed', { availability: this.availability() });
    }
    this.stop();
    const boundary = this.state.open ? this.state.closesAt : this.state.nextOpenAt;
    const delay = boundary === null ? RECHECK_MS : Math.min(RECHECK_MS, Math.max(1000, boundary - this.deps.clock.now() + 50));
    this.timer = setTimeout(() => this.refresh(false), delay);
    this.timer.unref();
  }
}

const DAY_NAMES = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];
