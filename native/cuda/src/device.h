// The medpipe CUDA backend's device layer: one stream, a caching allocator, host<->device copies,
// and the launchers of the kernels in kernels.cu. Everything runs in the order it was issued on the one
// stream, so a buffer handed back to the cache can be reused by the next launch without an event.
#pragma once
#include <cuda_runtime.h>
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>

namespace mpc {

// Element types on the device (shared with src/backend/cuda/device.ts).
enum Dtype : int { kF32 = 0, kI32 = 1, kU8 = 2 };

struct CudaError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

void Check(cudaError_t status, const char* what);
cudaStream_t Stream();

// Caching allocator: exact size classes, since a training step asks for the same sizes every time.
void* Alloc(size_t bytes);
void Free(void* p);
void ReleaseCached();
struct MemoryStats {
  size_t inUse, cached, peak, pinned;
};
MemoryStats Memory();

// Host -> device copies go through pinned staging buffers (large ones) or the driver's own staging.
void Upload(void* dst, const void* src, size_t bytes);
// Device -> host, waits for the stream.
void Download(void* dst, const void* src, size_t bytes);
// Pinned host memory for asynchronous downloads.
void* AcquirePinned(size_t bytes);
void ReleasePinned(void* p);

// ---- kernel launchers (kernels.cu); all float32 unless a dtype is passed ----
constexpr int kMaxDims = 8;
struct Strides {
  int nd;
  int64_t dims[kMaxDims];  // output (iteration) shape
  int64_t mods[kMaxDims];  // index i along a dim reads (i % mods) — tiling; equals dims otherwise
  int64_t in[kMaxDims];    // input strides per output dim (0 = broadcast)
  int64_t offset;          // input offset in elements
};
struct Broadcast {
  int nd;
  int64_t dims[kMaxDims];
  int64_t a[kMaxDims];
  int64_t b[kMaxDims];
};

void Unary(int op, const float* x, float* y, int64_t n, float alpha, float beta);
void Binary(int op, const float* a, const float* b, float* y, const Broadcast& bc);
void BinaryScalar(int op, const float* a, float s, float* y, int64_t n, bool scalarFirst);
void Compare(int op, const float* a, const float* b, uint8_t* y, const Broadcast& bc);
void Logical(int op, const uint8_t* a, const uint8_t* b, uint8_t* y, const Broadcast& bc);
void LogicalNot(const uint8_t* x, uint8_t* y, int64_t n);
void Select(const uint8_t* c, const float* a, const float* b, float* y, int64_t n);
void Cast(const void* x, int from, void* y, int to, int64_t n);
void Fill(void* y, int dtype, double value, int64_t n);
// Reduces the middle axis of [outer, r, inner]; ops: 0 sum, 1 mean, 2 max, 3 min, 4 prod.
void Reduce(int op, const float* x, float* y, int64_t outer, int64_t r, int64_t inner);
// y (contiguous, dims) = x[offset + sum((i_d % mods_d) * in_d)]; elemBytes 4 or 1.
void Gather(const void* x, void* y, int elemBytes, const Strides& s);
// y[offset + sum(i_d * in_d)] = x (contiguous, dims).
void Place(const void* x, void* y, int elemBytes, const Strides& s);
struct PoolGeom {
  int n, h, w, c, fh, fw, oh, ow, sh, sw, dh, dw, pt, pl;
};
void MaxPool(const float* x, float* y, const PoolGeom& g);
void MaxPoolGrad(const float* dy, const float* x, float* dx, const PoolGeom& g);
void AvgPool(const float* x, float* y, const PoolGeom& g);
void AvgPoolGrad(const float* dy, float* dx, const PoolGeom& g);
// y = offset + (x - mean) * scale / sqrt(var + eps); each parameter indexed i % its length (0 = absent).
void BatchNorm(const float* x, const float* mean, int64_t meanN, const float* var, int64_t varN,
               const float* offset, int64_t offsetN, const float* scale, int64_t scaleN, float* y, int64_t n,
               float eps);
// y = x * keep(i) / (1 - rate), keep(i) = uniform(seed, i) >= rate (a counter-based hash; see dropout.ts).
void Dropout(const float* x, float* y, int64_t n, float rate, uint32_t seed);
// One Adam step of one variable (tfjs' formula), written to new buffers: tensors are immutable in tfjs.
void Adam(const float* value, const float* m, const float* v, const float* grad, float* valueOut, float* mOut,
          float* vOut, int64_t n, float lr, float beta1, float beta2, float eps, float correction1,
          float correction2);

}  // namespace mpc
