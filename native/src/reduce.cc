// Reductions over one contiguous block of axes: x viewed as [outer, R, inner] -> out [outer, inner].
// Sums accumulate in double, as tfjs' CPU kernel does (its accumulator is a JS number), so long sums such as
// a bias gradient over 131072 positions agree to float precision.
#include <cmath>
#include "common.h"

namespace mp {
namespace {

enum ReduceOp : int { kSum = 0, kMean = 1, kMax = 2, kMin = 3 };

// Folds rows [r0, r1) of one [R, inner] slab into acc (length inner).
void Accumulate(int op, const float* slab, int64_t inner, int64_t r0, int64_t r1, double* acc) {
  if (inner == 1 && (op == kSum || op == kMean)) {
    double s = 0;
#pragma omp simd reduction(+ : s)
    for (int64_t r = r0; r < r1; ++r) s += slab[r];
    acc[0] += s;
    return;
  }
  for (int64_t r = r0; r < r1; ++r) {
    const float* row = slab + r * inner;
    if (op == kSum || op == kMean) {
#pragma omp simd
      for (int64_t i = 0; i < inner; ++i) acc[i] += row[i];
    } else if (op == kMax) {
      for (int64_t i = 0; i < inner; ++i)
        if (std::isnan(row[i]) || row[i] > acc[i]) acc[i] = row[i];
    } else {
      for (int64_t i = 0; i < inner; ++i)
        if (std::isnan(row[i]) || row[i] < acc[i]) acc[i] = row[i];
    }
  }
}

double Init(int op) { return op == kMax ? -INFINITY : op == kMin ? INFINITY : 0.0; }

void Combine(int op, double* into, const double* from, int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    if (op == kSum || op == kMean) into[i] += from[i];
    else if (op == kMax) { if (std::isnan(from[i]) || from[i] > into[i]) into[i] = from[i]; }
    else if (std::isnan(from[i]) || from[i] < into[i]) into[i] = from[i];
  }
}

void Finish(int op, const double* acc, int64_t r, float* out, int64_t n) {
  for (int64_t i = 0; i < n; ++i) out[i] = static_cast<float>(op == kMean ? acc[i] / r : acc[i]);
}

// reduce(op, x, outer, R, inner, out)
Napi::Value Reduce(const Napi::CallbackInfo& info) {
  int op = static_cast<int>(Int(info[0]));
  const float* x = F32(info[1], "x");
  int64_t outer = Int(info[2]), r = Int(info[3]), inner = Int(info[4]);
  float* out = F32(info[5], "out");
  if (op < kSum || op > kMin) throw Napi::Error::New(info.Env(), "unknown reduce op");
  int threads = omp_get_max_threads();
  if (outer >= 2 * threads || outer * r * inner < kParallelGrain) {
    // Enough independent outputs: one slab per task.
    ParallelRange(outer, std::max<int64_t>(1, kParallelGrain / std::max<int64_t>(r * inner, 1)),
                  [&](int64_t o0, int64_t o1) {
                    std::vector<double> acc(inner);
                    for (int64_t o = o0; o < o1; ++o) {
                      std::fill(acc.begin(), acc.end(), Init(op));
                      Accumulate(op, x + o * r * inner, inner, 0, r, acc.data());
                      Finish(op, acc.data(), r, out + o * inner, inner);
                    }
                  });
    return info.Env().Undefined();
  }
  // Few outputs, long reductions (bias gradients, global means): split R over threads, then combine.
  std::vector<double> partial(static_cast<size_t>(threads) * inner);
  for (int64_t o = 0; o < outer; ++o) {
    const float* slab = x + o * r * inner;
    std::fill(partial.begin(), partial.end(), Init(op));
#pragma omp parallel for num_threads(threads) schedule(static)
    for (int p = 0; p < threads; ++p) {
      Accumulate(op, slab, inner, r * p / threads, r * (p + 1) / threads, partial.data() + p * inner);
    }
    for (int p = 1; p < threads; ++p) Combine(op, partial.data(), partial.data() + p * inner, inner);
    Finish(op, partial.data(), r, out + o * inner, inner);
  }
  return info.Env().Undefined();
}

}  // namespace

void RegisterReduce(Napi::Env env, Napi::Object exports) { exports.Set("reduce", Napi::Function::New(env, Reduce)); }

}  // namespace mp
