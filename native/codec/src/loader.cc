// The loader's per-pixel work (src/data/loader/assemble.ts), for the worker threads that assemble
// training batches: a byte → float32 table lookup (the recorded steps on 8-bit records, see
// src/data/pointwise-table.ts) and the geometric part of the affine augmentation
// (src/data/augment.ts transformImage). Both produce the same float32 numbers as the JavaScript
// they replace, bit for bit: the same double arithmetic in the same order (built with
// -ffp-contract=off, so no fused multiply-add), rounded to float32 when stored. The JavaScript
// stays the reference and the fallback when the addon is missing.
#include <cmath>
#include <cstddef>
#include <cstdint>

#include "loader.h"

void lookup_u8(const uint8_t* bytes, size_t n, const float* table, int channels, float* out) {
  if (channels == 1) {
    for (size_t k = 0; k < n; k++) out[k] = table[bytes[k]];
    return;
  }
  for (size_t k = 0, c = 0; k < n; k++) {
    out[k] = table[bytes[k] * channels + c];
    if (++c == static_cast<size_t>(channels)) c = 0;
  }
}

namespace {
// floor(x) without a libm call (x86-64's baseline has no SSE4.1 round instruction; std::floor
// and std::round were calls, most of this loop's time): exact for |x| < 2^62, std::floor beyond.
inline double floor_of(double x) {
  if (!(std::fabs(x) < 4.611686018427388e18)) return std::floor(x);
  const double t = static_cast<double>(static_cast<int64_t>(x));  // toward zero
  return t > x ? t - 1 : t;
}

// fillIndex of augment.ts: an index outside [0, n) → the one the fill mode reads; -1 = the fill value.
inline long fill_index(long i, long n, int mode) {
  if (i >= 0 && i < n) return i;
  if (mode == kFillNearest) return i < 0 ? 0 : n - 1;
  if (mode == kFillConstant) return -1;
  const long period = 2 * n;
  long m = i % period;  // truncated, as JavaScript's %
  if (m < 0) m += period;
  return m < n ? m : period - 1 - m;
}
}  // namespace

namespace {
template <int CH>  // CH > 0: the channel count known at compile time; 0: `channels` at run time
void affine_rows(const float* src, float* dst, int h, int w, int channels, const double m[6], int fill, double fill_value) {
  const int ch = CH > 0 ? CH : channels;
  const double a = m[0], b = m[1], e = m[2], c = m[3], d = m[4], f = m[5];
  for (int y = 0; y < h; y++) {
    double sx = b * y + e;
    double sy = d * y + f;
    for (int x = 0; x < w; x++, sx += a, sy += c) {
      double px = sx;
      double py = sy;
      double fx0 = floor_of(sx);
      double fy0 = floor_of(sy);
      double fx = sx - fx0;
      double fy = sy - fy0;
      // JavaScript snaps values within 1e-9 of an integer (Math.round, then |s - r| < 1e-9). A
      // fraction well inside (2e-9, 1 - 2e-9) has no integer that close (sx - floor(sx) is exact but
      // for sx just below 0, where it is off by at most 2^-53), so the snap is skipped there; near
      // an integer it is done as in JavaScript. floor(s + 0.5) stands in for Math.round: the two
      // differ only half-way between integers, never within 1e-9 of one.
      if (!(fx > 2e-9 && fx < 1 - 2e-9 && fy > 2e-9 && fy < 1 - 2e-9)) {
        const double rx = floor_of(sx + 0.5);
        const double ry = floor_of(sy + 0.5);
        px = std::fabs(sx - rx) < 1e-9 ? rx : sx;
        py = std::fabs(sy - ry) < 1e-9 ? ry : sy;
        fx0 = floor_of(px);
        fy0 = floor_of(py);
        fx = px - fx0;
        fy = py - fy0;
      }
      const long x0 = static_cast<long>(fx0);
      const long y0 = static_cast<long>(fy0);
      float* o = dst + (static_cast<long>(y) * w + x) * ch;
      if (x0 >= 0 && y0 >= 0 && x0 + 1 < w && y0 + 1 < h && fx != 0 && fy != 0) {
        const float* q00 = src + (y0 * w + x0) * ch;
        const float* q10 = q00 + static_cast<long>(w) * ch;
        const double a00 = (1 - fx) * (1 - fy);
        const double a01 = fx * (1 - fy);
        const double a10 = (1 - fx) * fy;
        const double a11 = fx * fy;
        for (int k = 0; k < ch; k++)
          o[k] = static_cast<float>(a00 * static_cast<double>(q00[k]) + a01 * static_cast<double>(q00[ch + k]) +
                                    a10 * static_cast<double>(q10[k]) + a11 * static_cast<double>(q10[ch + k]));
        continue;
      }
      const long ix0 = fill_index(x0, w, fill);
      const long ix1 = fill_index(x0 + 1, w, fill);
      const long iy0 = fill_index(y0, h, fill);
      const long iy1 = fill_index(y0 + 1, h, fill);
      const double w00 = (1 - fx) * (1 - fy);
      const double w01 = fx * (1 - fy);
      const double w10 = (1 - fx) * fy;
      const double w11 = fx * fy;
      const long p00 = iy0 < 0 || ix0 < 0 ? -1 : (iy0 * w + ix0) * ch;
      const long p01 = iy0 < 0 || ix1 < 0 ? -1 : (iy0 * w + ix1) * ch;
      const long p10 = iy1 < 0 || ix0 < 0 ? -1 : (iy1 * w + ix0) * ch;
      const long p11 = iy1 < 0 || ix1 < 0 ? -1 : (iy1 * w + ix1) * ch;
      for (int k = 0; k < ch; k++) {
        // Zero weights are skipped so exact grid positions reproduce the source value exactly.
        double v = 0;
        if (w00 != 0) v += w00 * (p00 < 0 ? fill_value : static_cast<double>(src[p00 + k]));
        if (w01 != 0) v += w01 * (p01 < 0 ? fill_value : static_cast<double>(src[p01 + k]));
        if (w10 != 0) v += w10 * (p10 < 0 ? fill_value : static_cast<double>(src[p10 + k]));
        if (w11 != 0) v += w11 * (p11 < 0 ? fill_value : static_cast<double>(src[p11 + k]));
        o[k] = static_cast<float>(v);
      }
    }
  }
}
}  // namespace

void affine_sample(const float* src, float* dst, int h, int w, int ch, const double m[6], int fill, double fill_value) {
  if (ch == 1) affine_rows<1>(src, dst, h, w, 1, m, fill, fill_value);
  else if (ch == 3) affine_rows<3>(src, dst, h, w, 3, m, fill, fill_value);
  else affine_rows<0>(src, dst, h, w, ch, m, fill, fill_value);
}
