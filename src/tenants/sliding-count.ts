/**
 * Events in a sliding window, counted in `buckets` slots of window/buckets each: add and
 * total are O(1) amortised (a slot is cleared once when the window moves past it), memory is
 * fixed. The window is approximate by one slot (a minute for the hour, an hour for the day).
 */
export class SlidingCount {
  private readonly slots: number[];
  private readonly slotMs: number;
  private sum = 0;
  /** Index of the slot `now` fell in at the last call, as an absolute slot number. */
  private current = -1;

  constructor(windowMs: number, buckets: number) {
    this.slots = new Array<number>(buckets).fill(0);
    this.slotMs = windowMs / buckets;
  }

  add(now: number, n = 1): void {
    this.advance(now);
    const i = this.current % this.slots.length;
    this.slots[i] = (this.slots[i] ?? 0) + n;
    this.sum += n;
  }

  total(now: number): number {
    this.advance(now);
    return this.sum;
  }

  /** Nothing counted in the window (the owner may drop this counter). */
  empty(now: number): boolean {
    return this.total(now) === 0;
  }

  private advance(now: number): void {
    const slot = Math.floor(now / this.slotMs);
    if (this.current < 0) {
      this.current = slot;
      return;
    }
    if (slot <= this.current) return; // a clock step back counts into the current slot
    const steps = Math.min(slot - this.current, this.slots.length);
    for (let k = 1; k <= steps; k++) {
      const i = (this.current + k) % this.slots.length;
      this.sum -= this.slots[i] ?? 0;
      this.slots[i] = 0;
    }
    this.current = slot;
  }
}
