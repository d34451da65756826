let context: AudioContext | null = null;

/**
 * A short chime, synthesised (no audio file to fetch). Browsers allow sound only after the visitor has
 * interacted with the page; before that this stays silent.
 */
export function chime(): void {
  try {
    context ??= new AudioContext();
    const at = context.currentTime;
    const oscillator = context.createOscillator();
    const gain = context.createGain();
    oscillator.frequency.setValueAtTime(880, at);
    oscillator.frequency.setValueAtTime(1320, at + 0.12);
    gain.gain.setValueAtTime(0.12, at);
    gain.gain.exponentialRampToValueAtTime(0.001, at + 0.4);
    oscillator.connect(gain).connect(context.destination);
    oscillator.start(at);
    oscillator.stop(at + 0.4);
  } catch {
    /* no Web Audio: the badge still tells */
  }
}
