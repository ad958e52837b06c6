// Elementwise kernels: unary maps, binary ops with numpy-style broadcasting, and batch normalisation.
// All are memory-bound, so the aim is one pass over the data, vectorised, split over the OpenMP threads.
#include <cmath>
#include "common.h"

namespace mp {
namespace {

// Unary op codes, shared with src/backend/native-addon.ts.
enum Unary : int {
  kURelu = 0, kURelu6 = 1, kUStep = 2, kUSigmoid = 3, kUTanh = 4, kUSquare = 5, kUSqrt = 6, kURsqrt = 7,
  kUExp = 8, kULog = 9, kUNeg = 10, kUAbs = 11, kUElu = 12, kULeakyRelu = 13, kUReciprocal = 14,
  kUFloor = 15, kUCeil = 16
};

// The loop lives in its own function with the pointers as plain arguments: read through a lambda's
// by-reference captures, GCC reloads them every iteration and gives up vectorising (Step ran 15x slower).
template <typename F>
void MapRange(const float* x, float* y, int64_t b, int64_t e, F f) {
#pragma omp simd
  for (int64_t i = b; i < e; ++i) y[i] = f(x[i]);
}

template <typename F>
void Map(const float* x, float* y, int64_t n, F f) {
  ParallelRange(n, kParallelGrain, [=](int64_t b, int64_t e) { MapRange(x, y, b, e, f); });
}

void RunUnary(int op, const float* x, float* y, int64_t n, float alpha) {
  switch (op) {
    case kURelu: return Map(x, y, n, [](float v) { return v < 0.f ? 0.f : v; });
    case kURelu6: return Map(x, y, n, [](float v) { return v < 0.f ? 0.f : (v > 6.f ? 6.f : v); });
    // Written with comparisons only (NaN != NaN) so that it vectorises; std::isnan here did not.
    case kUStep: return Map(x, y, n, [alpha](float v) { return v > 0.f ? 1.f : (v == v ? alpha : v); });
    case kUSigmoid: return Map(x, y, n, [](float v) { return 1.f / (1.f + std::exp(-v)); });
    case kUTanh: return Map(x, y, n, [](float v) { return std::tanh(v); });
    case kUSquare: return Map(x, y, n, [](float v) { return v * v; });
    case kUSqrt: return Map(x, y, n, [](float v) { return std::sqrt(v); });
    case kURsqrt: return Map(x, y, n, [](float v) { return static_cast<float>(1.0 / std::sqrt((double)v)); });
    case kUExp: return Map(x, y, n, [](float v) { return std::exp(v); });
    case kULog: return Map(x, y, n, [](float v) { return std::log(v); });
    case kUNeg: return Map(x, y, n, [](float v) { return -v; });
    case kUAbs: return Map(x, y, n, [](float v) { return std::fabs(v); });
    case kUElu: return Map(x, y, n, [](float v) { return v >= 0.f ? v : std::expm1(v); });
    case kULeakyRelu: return Map(x, y, n, [alpha](float v) { return v < 0.f ? alpha * v : v; });
    case kUReciprocal: return Map(x, y, n, [](float v) { return static_cast<float>(1.0 / (double)v); });
    case kUFloor: return Map(x, y, n, [](float v) { return __builtin_floorf(v); });
    case kUCeil: return Map(x, y, n, [](float v) { return __builtin_ceilf(v); });
    default: throw std::runtime_error("unknown unary op " + std::to_string(op));
  }
}

// unary(op, x, out, alpha)
Napi::Value UnaryFn(const Napi::CallbackInfo& info) {
  int op = static_cast<int>(Int(info[0]));
  const float* x = F32(info[1], "x");
  float* y = F32(info[2], "out");
  float alpha = static_cast<float>(Num(info[3]));
  try {
    RunUnary(op, x, y, static_cast<int64_t>(F32Len(info[2])), alpha);
  } catch (const std::exception& err) {
    throw Napi::Error::New(info.Env(), err.what());
  }
  return info.Env().Undefined();
}

// Binary op codes, shared with src/backend/native-addon.ts.
enum Binary : int { kAdd = 0, kSub = 1, kMul = 2, kDiv = 3, kMax = 4, kMin = 5, kSqDiff = 6, kReluGrad = 7 };

struct AddOp { static float f(float a, float b) { return a + b; } };
struct SubOp { static float f(float a, float b) { return a - b; } };
struct MulOp { static float f(float a, float b) { return a * b; } };
// Division in double and then rounded, like tfjs' CPU kernel, so results match to the last bit.
struct DivOp { static float f(float a, float b) { return static_cast<float>((double)a / (double)b); } };
struct MaxOp { static float f(float a, float b) { return (std::isnan(a) || std::isnan(b)) ? NAN : (a > b ? a : b); } };
struct MinOp { static float f(float a, float b) { return (std::isnan(a) || std::isnan(b)) ? NAN : (a < b ? a : b); } };
struct SqDiffOp { static float f(float a, float b) { float d = a - b; return d * d; } };
// a = dy, b = x: exactly tfjs' dy * step(x) (step(NaN) = NaN), in one pass instead of two.
struct ReluGradOp {
  static float f(float a, float b) {
    const float s = b > 0.f ? 1.f : 0.f;
    const float n = b == b ? s : b;
    return a * n;
  }
};

// One innermost run: a and b each either advance with the output (stride 1) or repeat one value (stride 0).
template <typename Op>
inline void Inner(const float* a, bool sa, const float* b, bool sb, float* o, int64_t n) {
  if (sa && sb) {
#pragma omp simd
    for (int64_t i = 0; i < n; ++i) o[i] = Op::f(a[i], b[i]);
  } else if (sa) {
    const float bv = *b;
#pragma omp simd
    for (int64_t i = 0; i < n; ++i) o[i] = Op::f(a[i], bv);
  } else if (sb) {
    const float av = *a;
#pragma omp simd
    for (int64_t i = 0; i < n; ++i) o[i] = Op::f(av, b[i]);
  } else {
    const float v = Op::f(*a, *b);
    for (int64_t i = 0; i < n; ++i) o[i] = v;
  }
}

// Broadcast layout after dropping size-1 output dims and merging neighbours that broadcast alike.
struct Layout {
  std::vector<int64_t> dims, sa, sb;  // sa/sb: element strides of a and b per dim (0 where broadcast)
};

Layout Collapse(std::vector<int64_t> as, std::vector<int64_t> bs, const std::vector<int64_t>& out) {
  size_t r = out.size();
  as.insert(as.begin(), r - as.size(), 1);
  bs.insert(bs.begin(), r - bs.size(), 1);
  std::vector<int64_t> dims;
  std::vector<bool> fa, fb;
  for (size_t d = 0; d < r; ++d) {
    if (out[d] == 1) continue;
    bool a = as[d] != 1, b = bs[d] != 1;
    if (!dims.empty() && fa.back() == a && fb.back() == b) {
      dims.back() *= out[d];
    } else {
      dims.push_back(out[d]);
      fa.push_back(a);
      fb.push_back(b);
    }
  }
  if (dims.empty()) {
    dims.push_back(1);
    fa.push_back(true);
    fb.push_back(true);
  }
  Layout l;
  l.dims = dims;
  l.sa.resize(dims.size());
  l.sb.resize(dims.size());
  int64_t stA = 1, stB = 1;
  for (size_t d = dims.size(); d-- > 0;) {
    l.sa[d] = fa[d] ? stA : 0;
    l.sb[d] = fb[d] ? stB : 0;
    if (fa[d]) stA *= dims[d];
    if (fb[d]) stB *= dims[d];
  }
  return l;
}

template <typename Op>
void RunBinary(const float* a, const float* b, float* o, const Layout& l) {
  size_t r = l.dims.size();
  int64_t inner = l.dims[r - 1];
  bool ia = l.sa[r - 1] != 0, ib = l.sb[r - 1] != 0;
  int64_t rows = 1;
  for (size_t d = 0; d + 1 < r; ++d) rows *= l.dims[d];
  if (rows == 1) {
    ParallelRange(inner, kParallelGrain, [&](int64_t s, int64_t e) {
      Inner<Op>(a + (ia ? s : 0), ia, b + (ib ? s : 0), ib, o + s, e - s);
    });
    return;
  }
  ParallelRange(rows, std::max<int64_t>(1, kParallelGrain / std::max<int64_t>(inner, 1)), [&](int64_t s, int64_t e) {
    for (int64_t row = s; row < e; ++row) {
      // Offsets of this row in a and b from its multi-index over the outer dims.
      int64_t rem = row, offA = 0, offB = 0;
      for (size_t d = r - 1; d-- > 0;) {
        int64_t idx = rem % l.dims[d];
        rem /= l.dims[d];
        offA += idx * l.sa[d];
        offB += idx * l.sb[d];
      }
      Inner<Op>(a + offA, ia, b + offB, ib, o + row * inner, inner);
    }
  });
}

// binary(op, a, aShape, b, bShape, out, outShape)
Napi::Value BinaryFn(const Napi::CallbackInfo& info) {
  int op = static_cast<int>(Int(info[0]));
  const float* a = F32(info[1], "a");
  auto as = Ints(info[2]);
  const float* b = F32(info[3], "b");
  auto bs = Ints(info[4]);
  float* o = F32(info[5], "out");
  auto os = Ints(info[6]);
  Layout l = Collapse(as, bs, os);
  switch (op) {
    case kAdd: RunBinary<AddOp>(a, b, o, l); break;
    case kSub: RunBinary<SubOp>(a, b, o, l); break;
    case kMul: RunBinary<MulOp>(a, b, o, l); break;
    case kDiv: RunBinary<DivOp>(a, b, o, l); break;
    case kMax: RunBinary<MaxOp>(a, b, o, l); break;
    case kMin: RunBinary<MinOp>(a, b, o, l); break;
    case kSqDiff: RunBinary<SqDiffOp>(a, b, o, l); break;
    case kReluGrad: RunBinary<ReluGradOp>(a, b, o, l); break;
    default: throw Napi::Error::New(info.Env(), "unknown binary op " + std::to_string(op));
  }
  return info.Env().Undefined();
}

// batchNorm(x, mean, variance, offset|null, scale|null, eps, out): every parameter has length 1 or C, and
// x's last axis has length C (the layout tfjs' CPU kernel assumes when it indexes parameters modulo length).
Napi::Value BatchNorm(const Napi::CallbackInfo& info) {
  const float* x = F32(info[0], "x");
  const float* mean = F32(info[1], "mean");
  const float* var = F32(info[2], "variance");
  const float* off = F32OrNull(info[3], "offset");
  const float* scale = F32OrNull(info[4], "scale");
  double eps = Num(info[5]);
  float* y = F32(info[6], "out");
  int64_t n = static_cast<int64_t>(F32Len(info[0]));
  int64_t lm = F32Len(info[1]), lv = F32Len(info[2]);
  int64_t lo = off ? F32Len(info[3]) : 1, ls = scale ? F32Len(info[4]) : 1;
  int64_t c = std::max(std::max(lm, lv), std::max(lo, ls));
  std::vector<double> mul(c), add(c);
  for (int64_t i = 0; i < c; ++i) {
    double s = scale ? scale[ls == 1 ? 0 : i] : 1.0;
    double m = mean[lm == 1 ? 0 : i], v = var[lv == 1 ? 0 : i];
    double o = off ? off[lo == 1 ? 0 : i] : 0.0;
    mul[i] = s / std::sqrt(v + eps);
    add[i] = o - m * mul[i];
  }
  int64_t rows = n / c;
  const double* mu = mul.data();
  const double* ad = add.data();
  ParallelRange(rows, std::max<int64_t>(1, kParallelGrain / c), [=](int64_t s, int64_t e) {
    for (int64_t r = s; r < e; ++r) {
      const float* xr = x + r * c;
      float* yr = y + r * c;
#pragma omp simd
      for (int64_t i = 0; i < c; ++i) yr[i] = static_cast<float>(xr[i] * mu[i] + ad[i]);
    }
  });
  return info.Env().Undefined();
}

}  // namespace

void ApplyActivation(float* y, int64_t n, int act, float alpha) {
  switch (act) {
    case kLinear: return;
    case kRelu: return RunUnary(kURelu, y, y, n, alpha);
    case kRelu6: return RunUnary(kURelu6, y, y, n, alpha);
    case kSigmoid: return RunUnary(kUSigmoid, y, y, n, alpha);
    case kElu: return RunUnary(kUElu, y, y, n, alpha);
    case kLeakyRelu: return RunUnary(kULeakyRelu, y, y, n, alpha);
    default: throw std::runtime_error("unknown activation code " + std::to_string(act));
  }
}

namespace {
// activate(x, act, alpha): applies a fused-activation code in place.
Napi::Value Activate(const Napi::CallbackInfo& info) {
  float* x = F32(info[0], "x");
  try {
    ApplyActivation(x, static_cast<int64_t>(F32Len(info[0])), static_cast<int>(Int(info[1])),
                    static_cast<float>(Num(info[2])));
  } catch (const std::exception& err) {
    throw Napi::Error::New(info.Env(), err.what());
  }
  return info.Env().Undefined();
}
}  // namespace

void RegisterElementwise(Napi::Env env, Napi::Object exports) {
  exports.Set("activate", Napi::Function::New(env, Activate));
  exports.Set("unary", Napi::Function::New(env, UnaryFn));
  exports.Set("binary", Napi::Function::New(env, BinaryFn));
  exports.Set("batchNorm", Napi::Function::New(env, BatchNorm));
}

}  // namespace mp
