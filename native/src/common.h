// Shared helpers for the medpipe native tfjs backend: argument access and a parallel-for.
#pragma once
#include <napi.h>
#include <omp.h>
#include <cstdint>
#include <string>
#include <vector>

namespace mp {

// Elementwise work below this many elements stays on one thread: waking the OpenMP team costs more.
constexpr int64_t kParallelGrain = 1 << 15;

inline float* F32(const Napi::Value& v, const char* what) {
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_float32_array) {
    throw Napi::TypeError::New(v.Env(), std::string(what) + " must be a Float32Array");
  }
  return v.As<Napi::Float32Array>().Data();
}

inline size_t F32Len(const Napi::Value& v) { return v.As<Napi::Float32Array>().ElementLength(); }

inline float* F32OrNull(const Napi::Value& v, const char* what) {
  if (v.IsNull() || v.IsUndefined()) return nullptr;
  return F32(v, what);
}

inline int32_t* I32(const Napi::Value& v, const char* what) {
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_int32_array) {
    throw Napi::TypeError::New(v.Env(), std::string(what) + " must be an Int32Array");
  }
  return v.As<Napi::Int32Array>().Data();
}

inline int64_t Int(const Napi::Value& v) { return v.As<Napi::Number>().Int64Value(); }
inline double Num(const Napi::Value& v) { return v.As<Napi::Number>().DoubleValue(); }

inline std::vector<int64_t> Ints(const Napi::Value& v) {
  Napi::Array a = v.As<Napi::Array>();
  std::vector<int64_t> out(a.Length());
  for (uint32_t i = 0; i < a.Length(); ++i) out[i] = a.Get(i).As<Napi::Number>().Int64Value();
  return out;
}

// Splits [0, n) into contiguous ranges, one per thread, and runs fn(begin, end) on each.
template <typename Fn>
inline void ParallelRange(int64_t n, int64_t grain, Fn fn) {
  if (n <= 0) return;
  int threads = omp_get_max_threads();
  if (threads <= 1 || n < grain) {
    fn(int64_t{0}, n);
    return;
  }
  int64_t parts = std::min<int64_t>(threads, (n + grain - 1) / grain);
#pragma omp parallel for num_threads(parts) schedule(static)
  for (int64_t p = 0; p < parts; ++p) {
    int64_t b = n * p / parts, e = n * (p + 1) / parts;
    fn(b, e);
  }
}

// Activation codes shared with src/backend/native-addon.ts.
enum Act : int { kLinear = 0, kRelu = 1, kRelu6 = 2, kSigmoid = 3, kElu = 4, kLeakyRelu = 5 };

void RegisterConv(Napi::Env env, Napi::Object exports);
void RegisterGemm(Napi::Env env, Napi::Object exports);
void RegisterElementwise(Napi::Env env, Napi::Object exports);
void RegisterReduce(Napi::Env env, Napi::Object exports);
void RegisterPool(Napi::Env env, Napi::Object exports);
void RegisterGather(Napi::Env env, Napi::Object exports);
void ApplyActivation(float* y, int64_t n, int act, float alpha);
std::string GemmName();

}  // namespace mp
