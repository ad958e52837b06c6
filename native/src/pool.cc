// Max pooling over NHWC and its gradient, vectorised over channels. Semantics follow tfjs' CPU kernels:
// the window is clipped to the image, the first strictly larger value wins, NaN never wins.
#include <cmath>
#include "common.h"

namespace mp {
namespace {

struct PoolGeom {
  int64_t n, h, w, c, fh, fw, oh, ow, sh, sw, pt, pl;
};

PoolGeom ReadPoolGeom(const Napi::Value& v) {
  auto p = Ints(v);
  if (p.size() != 12) throw Napi::Error::New(v.Env(), "pool geometry needs 12 numbers");
  return {p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7], p[8], p[9], p[10], p[11]};
}

// maxPool(x, out, geom)
Napi::Value MaxPool(const Napi::CallbackInfo& info) {
  const float* x = F32(info[0], "x");
  float* y = F32(info[1], "out");
  PoolGeom g = ReadPoolGeom(info[2]);
  int64_t rows = g.n * g.oh;
  ParallelRange(rows, std::max<int64_t>(1, kParallelGrain / std::max<int64_t>(g.ow * g.c * g.fh * g.fw, 1)),
                [&](int64_t r0, int64_t r1) {
    const int64_t C = g.c;  // a local, not a by-reference capture, so the channel loops vectorise
    for (int64_t row = r0; row < r1; ++row) {
      int64_t b = row / g.oh, yr = row % g.oh;
      int64_t r0w = std::max<int64_t>(0, yr * g.sh - g.pt), r1w = std::min(g.h, yr * g.sh - g.pt + g.fh);
      for (int64_t yc = 0; yc < g.ow; ++yc) {
        int64_t c0w = std::max<int64_t>(0, yc * g.sw - g.pl), c1w = std::min(g.w, yc * g.sw - g.pl + g.fw);
        float* out = y + ((b * g.oh + yr) * g.ow + yc) * g.c;
        for (int64_t d = 0; d < C; ++d) out[d] = -INFINITY;
        for (int64_t xr = r0w; xr < r1w; ++xr) {
          for (int64_t xc = c0w; xc < c1w; ++xc) {
            const float* px = x + ((b * g.h + xr) * g.w + xc) * g.c;
#pragma omp simd
            for (int64_t d = 0; d < C; ++d) {
              const float v = px[d], o = out[d];
              out[d] = v > o ? v : o;
            }
          }
        }
      }
    }
  });
  return info.Env().Undefined();
}

// maxPoolGrad(dy, x, dx, geom): each dy goes to its window's argmax; dx need not be zeroed by the caller.
// Per output pixel, all channels at once: the argmax is kept as a window slot number, then every slot of the
// window gets dy where it won. Windows that do not overlap (stride >= size, the usual 2x2/2) are handled per
// output row with plain stores; overlapping ones per image with a masked add, accumulating as in tfjs.
Napi::Value MaxPoolGrad(const Napi::CallbackInfo& info) {
  const float* dy = F32(info[0], "dy");
  const float* x = F32(info[1], "x");
  float* dx = F32(info[2], "out");
  const PoolGeom g = ReadPoolGeom(info[3]);
  const bool disjoint = g.sh >= g.fh && g.sw >= g.fw;
  // Exact tiling writes every dx element, so no zero-fill is needed first.
  const bool tiles = disjoint && g.pt == 0 && g.pl == 0 && g.sh == g.fh && g.sw == g.fw && g.oh * g.fh == g.h &&
                     g.ow * g.fw == g.w;
  const int64_t C = g.c, imageSize = g.h * g.w * g.c;
  // One output row of one image; with disjoint windows rows never touch the same dx.
  // Slot numbers are kept as floats (exact for any window) so every select in the loops is float-typed,
  // which GCC vectorises; an int32 slot array mixed with float compares did not.
  auto row = [=](int64_t b, int64_t yr, float* bst, float* sl) {
    int64_t r0w = std::max<int64_t>(0, yr * g.sh - g.pt), r1w = std::min(g.h, yr * g.sh - g.pt + g.fh);
    for (int64_t yc = 0; yc < g.ow; ++yc) {
      int64_t c0w = std::max<int64_t>(0, yc * g.sw - g.pl), c1w = std::min(g.w, yc * g.sw - g.pl + g.fw);
      for (int64_t d = 0; d < C; ++d) { bst[d] = -INFINITY; sl[d] = -1.f; }
      float k = 0.f;
      for (int64_t xr = r0w; xr < r1w; ++xr) {
        for (int64_t xc = c0w; xc < c1w; ++xc, k += 1.f) {
          const float* px = x + ((b * g.h + xr) * g.w + xc) * C;
#pragma omp simd
          for (int64_t d = 0; d < C; ++d) {
            // This exact shape (loads first, two selects into temporaries, then the stores) is what GCC 12
            // if-converts and vectorises; with a shared bool it gave up ("control flow in loop").
            const float v = px[d], bv = bst[d], sv = sl[d];
            const float nb = bv < v ? v : bv;
            const float ns = bv < v ? k : sv;
            bst[d] = nb;
            sl[d] = ns;
          }
        }
      }
      const float* gy = dy + ((b * g.oh + yr) * g.ow + yc) * C;
      k = 0.f;
      for (int64_t xr = r0w; xr < r1w; ++xr) {
        for (int64_t xc = c0w; xc < c1w; ++xc, k += 1.f) {
          float* o = dx + ((b * g.h + xr) * g.w + xc) * C;
          if (disjoint) {
#pragma omp simd
            for (int64_t d = 0; d < C; ++d) {
              const float g = gy[d];
              o[d] = sl[d] == k ? g : 0.f;
            }
          } else {
#pragma omp simd
            for (int64_t d = 0; d < C; ++d) {
              const float g = gy[d], od = o[d];
              o[d] = od + (sl[d] == k ? g : 0.f);
            }
          }
        }
      }
    }
  };
  if (!tiles) {
    ParallelRange(g.n * imageSize, kParallelGrain, [=](int64_t s, int64_t e) { std::fill(dx + s, dx + e, 0.f); });
  }
  const int64_t units = disjoint ? g.n * g.oh : g.n;
  ParallelRange(units, 1, [=](int64_t u0, int64_t u1) {
    std::vector<float> best(C);
    std::vector<float> slot(C);
    for (int64_t u = u0; u < u1; ++u) {
      if (disjoint) {
        row(u / g.oh, u % g.oh, best.data(), slot.data());
      } else {
        for (int64_t yr = 0; yr < g.oh; ++yr) row(u, yr, best.data(), slot.data());
      }
    }
  });
  return info.Env().Undefined();
}

}  // namespace

void RegisterPool(Napi::Env env, Napi::Object exports) {
  exports.Set("maxPool", Napi::Function::New(env, MaxPool));
  exports.Set("maxPoolGrad", Napi::Function::New(env, MaxPoolGrad));
}

}  // namespace mp
