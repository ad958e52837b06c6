/**
 * The standard normal distribution, accurate to double precision: the CDF (for DeLong's p-values,
 * which must stay exact far in the tail) and its inverse (for z-values and BCa's adjusted levels).
 */

/**
 * Φ(x) = P(Z ≤ x) for a standard normal Z, from erfc (W. J. Cody's rational approximations,
 * relative error below 1e-15), so 1 − Φ(x) for large x is not lost to cancellation.
 *
 * @example
 *   normalCdf(1.959963984540054); // 0.975
 */
export function normalCdf(x: number): number {
  if (Number.isNaN(x)) return Number.NaN;
  return 0.5 * erfc(-x / Math.SQRT2);
}

/** Two-sided p-value of a z statistic: P(|Z| ≥ |z|) = erfc(|z|/√2). */
export function twoSidedP(z: number): number {
  if (Number.isNaN(z)) return Number.NaN;
  return erfc(Math.abs(z) / Math.SQRT2);
}

/**
 * Φ⁻¹(p): Acklam's rational approximation (relative error 1.2e-9) refined by one Halley step
 * against `normalCdf`, which brings it to double precision. ±Infinity at 0 and 1.
 *
 * @example
 *   normalQuantile(0.975); // 1.959963984540054
 */
export function normalQuantile(p: number): number {
  if (Number.isNaN(p) || p < 0 || p > 1) return Number.NaN;
  if (p === 0) return -Infinity;
  if (p === 1) return Infinity;
  const a = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
  const b = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
  const c = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  const low = 0.02425;
  let x: number;
  if (p < low) {
    const q = Math.sqrt(-2 * Math.log(p));
    x = (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) / ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
  } else if (p <= 1 - low) {
    const q = p - 0.5;
    const r = q * q;
    x =
      ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) /
      (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1);
  } else {
    const q = Math.sqrt(-2 * Math.log(1 - p));
    x = -(((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) / ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
  }
  // Halley step; in the upper tail work with the upper probability so 1 − p is not rounded away.
  const e = p > 0.5 ? -(0.5 * erfc(x / Math.SQRT2) - (1 - p)) : 0.5 * erfc(-x / Math.SQRT2) - p;
  const u = e * Math.sqrt(2 * Math.PI) * Math.exp((x * x) / 2);
  return x - u / (1 + (x * u) / 2);
}

/**
 * The complementary error function, after W. J. Cody (1969), "Rational Chebyshev approximations for
 * the error function", in three ranges as in his CALERF routine.
 */
export function erfc(x: number): number {
  if (Number.isNaN(x)) return Number.NaN;
  const y = Math.abs(x);
  let result: number;
  if (y <= 0.46875) {
    const a = [3.1611237438705656, 113.864154151050156, 377.485237685302021, 3209.37758913846947, 0.185777706184603153];
    const b = [23.6012909523441209, 244.024637934444173, 1282.61652607737228, 2844.23683343917062];
    const z = y > 1.11e-16 ? y * y : 0;
    let num = a[4]! * z;
    let den = z;
    for (let i = 0; i < 3; i++) {
      num = (num + a[i]!) * z;
      den = (den + b[i]!) * z;
    }
    const erf = (x * (num + a[3]!)) / (den + b[3]!);
    return 1 - erf;
  }
  if (y <= 4) {
    const c = [
      0.564188496988670089, 8.88314979438837594, 66.1191906371416295, 298.635138197400131, 881.95222124176909, 1712.04761263407058, 2051.07837782607147,
      1230.33935479799725, 2.15311535474403846e-8,
    ];
    const d = [
      15.7449261107098347, 117.693950891312499, 537.181101862009858, 1621.38957456669019, 3290.79923573345963, 4362.61909014324716, 3439.36767414372164,
      1230.33935480374942,
    ];
    let num = c[8]! * y;
    let den = y;
    for (let i = 0; i < 7; i++) {
      num = (num + c[i]!) * y;
      den = (den + d[i]!) * y;
    }
    result = (num + c[7]!) / (den + d[7]!);
  } else {
    if (y >= 26.6) return x > 0 ? 0 : 2;
    const p = [0.305326634961232344, 0.360344899949804439, 0.125781726111229246, 0.0160837851487422766, 6.58749161529837803e-4, 0.0163153871373020978];
    const q = [2.56852019228982242, 1.87295284992346725, 0.527905102951428412, 0.0605183413124413191, 0.00233520497626869185];
    const z = 1 / (y * y);
    let num = p[5]! * z;
    let den = z;
    for (let i = 0; i < 4; i++) {
      num = (num + p[i]!) * z;
      den = (den + q[i]!) * z;
    }
    result = (z * (num + p[4]!)) / (den + q[4]!);
    result = (1 / Math.sqrt(Math.PI) - result) / y;
  }
  // exp(-y²) split as exp(-ysq²)·exp(-(y−ysq)(y+ysq)) to keep precision (Cody's trick).
  const ysq = Math.trunc(y * 16) / 16;
  const del = (y - ysq) * (y + ysq);
  result = Math.exp(-ysq * ysq) * Math.exp(-del) * result;
  return x < 0 ? 2 - result : result;
}
