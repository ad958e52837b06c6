import type { Rng } from '../base/rng.ts';

/** Samples that must stay together (a group), with how many of them carry each finding. */
export interface LabelUnit {
  readonly indices: readonly number[];
  /** Positives per finding among the unit's samples. */
  readonly counts: readonly number[];
}

/**
 * Iterative stratification for multi-label data (Sechidis, Tsoumakas & Vlahavas 2011, "On the
 * stratification of multi-label data"), with groups as the units: the finding with the fewest
 * unassigned positives is placed first, each of its units going to the bin that still wants the most
 * of that finding (then the most samples overall, then at random), so rare findings spread across the
 * bins in proportion before common ones fill them. Units without findings fill the emptiest bins last.
 * Returns the sample indices of each bin, sorted.
 * @example
 *   iterativeStratification(units, [0.64, 0.16, 0.2], createRng(42));
 */
export function iterativeStratification(units: readonly LabelUnit[], weights: readonly number[], rng: Rng): number[][] {
  const k = units[0]?.counts.length ?? 0;
  const total = weights.reduce((a, b) => a + b, 0);
  const size = units.reduce((n, u) => n + u.indices.length, 0);
  const positives = Array.from({ length: k }, (_, j) => units.reduce((n, u) => n + u.counts[j]!, 0));
  // What each bin still wants: samples, and positives of each finding.
  const wanted = weights.map((w) => (w / total) * size);
  const wantedOf = weights.map((w) => positives.map((p) => (w / total) * p));
  const left = [...positives];
  const out: number[][] = weights.map(() => []);
  const open = new Set(units.map((_, u) => u));
  const order = units.map((_, u) => u);
  for (let i = order.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const place = (u: number, bin: number) => {
    out[bin]!.push(...units[u]!.indices);
    wanted[bin] = wanted[bin]! - units[u]!.indices.length;
    units[u]!.counts.forEach((c, j) => {
      wantedOf[bin]![j] = wantedOf[bin]![j]! - c;
      left[j] = left[j]! - c;
    });
    open.delete(u);
  };
  const pickBin = (score: (bin: number) => number) => {
    let best: number[] = [];
    let bestScore = -Infinity;
    weights.forEach((w, bin) => {
      if (w <= 0) return;
      const s = score(bin);
      if (s > bestScore + 1e-12) {
        best = [bin];
        bestScore = s;
      } else if (Math.abs(s - bestScore) <= 1e-12) best.push(bin);
    });
    return best;
  };
  while (open.size > 0) {
    let finding = -1;
    for (let j = 0; j < k; j++) if (left[j]! > 0 && (finding < 0 || left[j]! < left[finding]!)) finding = j;
    const batch = order.filter((u) => open.has(u) && (finding < 0 || units[u]!.counts[finding]! > 0));
    for (const u of batch) {
      let bins = finding < 0 ? pickBin((b) => wanted[b]!) : pickBin((b) => wantedOf[b]![finding]!);
      if (bins.length > 1 && finding >= 0) {
        const tied = new Set(bins);
        bins = pickBin((b) => (tied.has(b) ? wanted[b]! : -Infinity));
      }
      place(u, bins[bins.length > 1 ? rng.int(bins.length) : 0]!);
    }
  }
  for (const bin of out) bin.sort((a, b) => a - b);
  return out;
}
