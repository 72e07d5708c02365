/**
 * A small seeded PRNG (sfc32) and the helpers the demo data needs.
 * Math.random is never used in the seed: the same seed must give the same
 * rows, ids included, so that tokens and bookmarks survive a reload.
 *
 * sfc32 rather than mulberry32: a generator is started per customer, and a
 * 32-bit state would let the streams of different customers overlap (and
 * repeat each other's UUIDs) once there are a few hundred thousand of them.
 * sfc32 has 128 bits of state and a bijective step, so distinct seeds
 * (seed, stream, index) give distinct streams.
 */

/** Stream tags: reference data and customers never draw from the same sequence. */
export const STREAM_REFERENCE = 1;
export const STREAM_CUSTOMER = 2;

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  /** Up to three 32-bit seed words, e.g. (seed, stream tag, customer index). */
  constructor(seed: number, stream = 0, index = 0) {
    this.a = seed >>> 0;
    this.b = stream >>> 0;
    this.c = index >>> 0;
    this.d = 1;
    for (let i = 0; i < 15; i++) this.uint32();
  }

  uint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.uint32() / 4294967296;
  }

  /** Uniform integer in [min, max], both inclusive. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** Uniform real in [min, max). */
  real(min: number, max: number): number {
    return min + this.next() * (max - min);
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)];
  }

  /** Exponential with mean 1: random weights that add up to a Dirichlet split. */
  exponential(): number {
    return -Math.log(1 - this.next());
  }

  /** Standard normal (Box–Muller). */
  normal(): number {
    const u = 1 - this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next());
  }

  /** `count` distinct items, each drawn with probability proportional to its weight. */
  sampleWithoutReplacement<T>(items: readonly T[], weights: readonly number[], count: number): T[] {
    const remaining = weights.slice();
    const chosen: T[] = [];
    let total = remaining.reduce((a, b) => a + b, 0);
    while (chosen.length < count && total > 0) {
      let r = this.next() * total;
      let i = 0;
      while (i < remaining.length - 1 && r >= remaining[i]) r -= remaining[i++];
      // Rounding can leave r just past the last live weight: take the nearest live one.
      while (i > 0 && remaining[i] === 0) i--;
      if (remaining[i] === 0) break;
      chosen.push(items[i]);
      total -= remaining[i];
      remaining[i] = 0;
    }
    return chosen;
  }

  /** An RFC 4122 version-4 UUID whose random bits come from this generator. */
  uuid(): string {
    const a = this.uint32();
    const b = this.uint32();
    const c = this.uint32();
    const d = this.uint32();
    const timeHi = (b & 0xffff & 0x0fff) | 0x4000;
    const clockSeq = ((c >>> 16) & 0x3fff) | 0x8000;
    return (
      HEX[a >>> 24] +
      HEX[(a >>> 16) & 255] +
      HEX[(a >>> 8) & 255] +
      HEX[a & 255] +
      '-' +
      HEX[b >>> 24] +
      HEX[(b >>> 16) & 255] +
      '-' +
      HEX[timeHi >>> 8] +
      HEX[timeHi & 255] +
      '-' +
      HEX[clockSeq >>> 8] +
      HEX[clockSeq & 255] +
      '-' +
      HEX[(c >>> 8) & 255] +
      HEX[c & 255] +
      HEX[d >>> 24] +
      HEX[(d >>> 16) & 255] +
      HEX[(d >>> 8) & 255] +
      HEX[d & 255]
    );
  }

  /** A string of `length` random decimal digits (leading zeros allowed). */
  digits(length: number): string {
    let s = '';
    for (let i = 0; i < length; i++) s += String.fromCharCode(48 + Math.floor(this.next() * 10));
    return s;
  }
}

/**
 * Weighted choice over a fixed table, with the cumulative weights computed
 * once: the customer generator picks from the same tables millions of times.
 */
export class WeightedTable<T> {
  private readonly items: T[];
  private readonly cumulative: number[];
  private readonly total: number;

  constructor(entries: ReadonlyArray<readonly [T, number]>) {
    this.items = entries.map(([item]) => item);
    let sum = 0;
    this.cumulative = entries.map(([, weight]) => (sum += weight));
    this.total = sum;
  }

  pick(rng: Rng): T {
    const r = rng.next() * this.total;
    let lo = 0;
    let hi = this.cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.cumulative[mid] > r) hi = mid;
      else lo = mid + 1;
    }
    return this.items[lo];
  }
}
