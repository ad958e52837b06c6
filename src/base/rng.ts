/**
 * A small seeded random number generator (mulberry32). Every random choice of training —
 * shuffling, oversampling, augmentation, dropout masks — draws from one of these, so the same
 * seed replays the same run on the same backend.
 *
 * @example
 * const rng = createRng(42);
 * rng.next(); // same value every time for seed 42
 */
export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Standard normal (Box–Muller). */
  normal(): number;
  /** Uniform integer in [0, n). */
  int(n: number): number;
  /** Uniform in [lo, hi). */
  uniform(lo: number, hi: number): number;
}

export function createRng(seed: number): Rng {
  let state = (Math.floor(seed) ^ 0x9e3779b9) >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  let spare: number | undefined;
  return {
    next,
    normal() {
      if (spare !== undefined) {
        const s = spare;
        spare = undefined;
        return s;
      }
      // 1 - next() is in (0, 1], so the log is finite.
      const r = Math.sqrt(-2 * Math.log(1 - next()));
      const theta = 2 * Math.PI * next();
      spare = r * Math.sin(theta);
      return r * Math.cos(theta);
    },
    int(n: number) {
      return Math.floor(next() * n);
    },
    uniform(lo: number, hi: number) {
      return lo + (hi - lo) * next();
    },
  };
}

/**
 * A 31-bit seed derived from a base seed and a path of parts (`deriveSeed(seed, 'dropout', epoch, batch)`),
 * so independent streams never share a sequence. Never 0 (some tfjs ops treat 0 as "unseeded").
 */
export function deriveSeed(seed: number, ...parts: readonly (string | number)[]): number {
  // FNV-1a over the textual path, then a murmur-style finaliser.
  let h = 0x811c9dc5;
  const text = [seed, ...parts].join('/');
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 1 || 1;
}

/** In-place Fisher–Yates shuffle. */
export function shuffleInPlace<T extends { length: number; [i: number]: number }>(array: T, rng: Rng): T {
  for (let i = array.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const tmp = array[i];
    array[i] = array[j];
    array[j] = tmp;
  }
  return array;
}
