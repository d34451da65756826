/**
 * Getting an operator's attention while the console is in a background tab: a count in the tab title,
 * a short chime (Web Audio, no asset) and a desktop notification when permission was granted.
 */
const BASE_TITLE = 'Operator console';
const MUTE_KEY = 'cw:console:muted';

export class Attention {
  private count = 0;
  private audio: AudioContext | null = null;

  constructor(private readonly onOpen: (conversationId: string) => void) {
    document.addEventListener('visibilitychange', () => {
      if (!document.hidden) this.clear();
    });
    window.addEventListener('focus', () => this.clear());
  }

  get muted(): boolean {
    return localStorage.getItem(MUTE_KEY) === '1';
  }

  set muted(value: boolean) {
    if (value) localStorage.setItem(MUTE_KEY, '1');
    else localStorage.removeItem(MUTE_KEY);
  }

  get permission(): NotificationPermission | 'unsupported' {
    return 'Notification' in window ? Notification.permission : 'unsupported';
  }

  /** Asks for permission; browsers allow this only from a click. */
  async requestPermission(): Promise<NotificationPermission | 'unsupported'> {
    if (!('Notification' in window)) return 'unsupported';
    return Notification.requestPermission();
  }

  /** Something new arrived; only a background tab is interrupted. */
  notify(title: string, body: string, conversationId: string): void {
    if (!document.hidden) return;
    this.count++;
    document.title = `(${this.count}) ${BASE_TITLE}`;
    if (!this.muted) this.chime();
    if (this.permission === 'granted') {
      const notification = new Notification(title, { body, tag: `cw-${conversationId}` });
      notification.onclick = () => {
        window.focus();
        this.onOpen(conversationId);
        notification.close();
      };
    }
  }

  clear(): void {
    this.count = 0;
    document.title = BASE_TITLE;
  }

  private chime(): void {
    try {
      this.audio ??= new AudioContext();
      const ctx = this.audio;
      const gain = ctx.createGain();
      gain.gain.setValueAtTime(0.0001, ctx.currentTime);
      gain.gain.exponentialRampToValueAtTime(0.2, ctx.currentTime + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, ctx.currentTime + 0.35);
      gain.connect(ctx.destination);
      for (const [freq, at] of [
        [880, 0],
        [1320, 0.12],
      ] as const) {
        const osc = ctx.createOscillator();
        osc.frequency.value = freq;
        osc.connect(gain);
        osc.start(ctx.currentTime + at);
        osc.stop(ctx.currentTime + at + 0.2);
      }
    } catch {
      /* no audio device: the title and the notification still tell */
    }
  }
}
