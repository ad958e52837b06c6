// Data movement kernels: Tile and GatherV2 (batch slicing in fit loops, batch-norm gradients).
#include <cstring>
#include "common.h"

namespace mp {
namespace {

// tile(x, xShape, reps, out): out has shape xShape[i] * reps[i]; each output row (last axis) is the matching
// input row repeated reps[last] times.
Napi::Value Tile(const Napi::CallbackInfo& info) {
  const float* x = F32(info[0], "x");
  auto xs = Ints(info[1]);
  auto reps = Ints(info[2]);
  float* out = F32(info[3], "out");
  size_t r = xs.size();
  if (r == 0 || reps.size() != r) throw Napi::Error::New(info.Env(), "tile: rank mismatch");
  std::vector<int64_t> os(r);
  for (size_t i = 0; i < r; ++i) os[i] = xs[i] * reps[i];
  int64_t inner = xs[r - 1], outInner = os[r - 1], rows = 1;
  for (size_t i = 0; i + 1 < r; ++i) rows *= os[i];
  ParallelRange(rows, std::max<int64_t>(1, kParallelGrain / std::max<int64_t>(outInner, 1)), [&](int64_t r0, int64_t r1) {
    for (int64_t row = r0; row < r1; ++row) {
      // Input row of this output row: each output index modulo the input extent, per axis.
      int64_t rem = row, src = 0, stride = inner;
      for (size_t d = r - 1; d-- > 0;) {
        int64_t idx = rem % os[d];
        rem /= os[d];
        src += (idx % xs[d]) * stride;
        stride *= xs[d];
      }
      float* o = out + row * outInner;
      for (int64_t k = 0; k < reps[r - 1]; ++k) std::memcpy(o + k * inner, x + src, inner * sizeof(float));
    }
  });
  return info.Env().Undefined();
}

// gather(x, indices, batch, outer, dim, slice, out): x is [batch, outer, dim, slice], indices [batch, n]
// (already range-checked by the caller), out [batch, outer, n, slice].
Napi::Value Gather(const Napi::CallbackInfo& info) {
  const float* x = F32(info[0], "x");
  const int32_t* idx = I32(info[1], "indices");
  int64_t batch = Int(info[2]), outer = Int(info[3]), dim = Int(info[4]), slice = Int(info[5]);
  float* out = F32(info[6], "out");
  int64_t n = static_cast<int64_t>(info[1].As<Napi::Int32Array>().ElementLength()) / std::max<int64_t>(batch, 1);
  int64_t rows = batch * outer * n;
  ParallelRange(rows, std::max<int64_t>(1, kParallelGrain / std::max<int64_t>(slice, 1)), [&](int64_t r0, int64_t r1) {
    for (int64_t row = r0; row < r1; ++row) {
      int64_t i = row % n, bo = row / n, b = bo / outer;
      const float* src = x + (bo * dim + idx[b * n + i]) * slice;
      std::memcpy(out + row * slice, src, slice * sizeof(float));
    }
  });
  return info.Env().Undefined();
}

}  // namespace

void RegisterGather(Napi::Env env, Napi::Object exports) {
  exports.Set("tile", Napi::Function::New(env, Tile));
  exports.Set("gather", Napi::Function::New(env, Gather));
}

}  // namespace mp
