// CUDA kernels of the medpipe CUDA backend: elementwise maps with numpy broadcasting, reductions, strided
// copies (transpose, slice, tile, concat, pad), pooling, batch norm, dropout and the Adam update. Every
// formula follows tfjs' CPU kernel, so the two backends agree to float32 rounding.
#include <cmath>
#include <cstdint>
#include "device.h"

namespace mpc {
namespace {

constexpr int kThreads = 256;

inline unsigned Blocks(int64_t n) {
  int64_t b = (n + kThreads - 1) / kThreads;
  return static_cast<unsigned>(b < 1 ? 1 : (b > 1048576 ? 1048576 : b));  // grid-stride beyond 2^28 threads
}

#define GRID_LOOP(i, n) \
  for (int64_t i = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; i < (n); i += int64_t{blockDim.x} * gridDim.x)

void Launched(const char* what) { Check(cudaGetLastError(), what); }

// ---------------------------------------------------------------- unary maps
enum UnaryOp {
  kRelu, kRelu6, kStep, kSigmoid, kTanh, kSquare, kSqrt, kRsqrt, kExp, kLog, kLog1p, kNeg, kAbs, kElu,
  kLeakyRelu, kReciprocal, kFloor, kCeil, kRound, kSign, kSoftplus, kExpm1, kClip, kSin, kCos, kErf, kSelu,
  kLinear
};

template <int OP>
__device__ __forceinline__ float UnaryFn(float x, float a, float b) {
  if constexpr (OP == kRelu) return x < 0.f ? 0.f : x;
  else if constexpr (OP == kRelu6) return fminf(fmaxf(x, 0.f), 6.f);
  else if constexpr (OP == kStep) return isnan(x) ? x : (x > 0.f ? 1.f : a);
  else if constexpr (OP == kSigmoid) return 1.f / (1.f + expf(-x));
  else if constexpr (OP == kTanh) return tanhf(x);
  else if constexpr (OP == kSquare) return x * x;
  else if constexpr (OP == kSqrt) return sqrtf(x);
  else if constexpr (OP == kRsqrt) return 1.f / sqrtf(x);
  else if constexpr (OP == kExp) return expf(x);
  else if constexpr (OP == kLog) return logf(x);
  else if constexpr (OP == kLog1p) return log1pf(x);
  else if constexpr (OP == kNeg) return -x;
  else if constexpr (OP == kAbs) return fabsf(x);
  else if constexpr (OP == kElu) return x >= 0.f ? x : expf(x) - 1.f;
  else if constexpr (OP == kLeakyRelu) return x < 0.f ? a * x : x;
  else if constexpr (OP == kReciprocal) return 1.f / x;
  else if constexpr (OP == kFloor) return floorf(x);
  else if constexpr (OP == kCeil) return ceilf(x);
  else if constexpr (OP == kRound) return rintf(x);  // half to even, like tfjs
  else if constexpr (OP == kSign) return x > 0.f ? 1.f : (x < 0.f ? -1.f : 0.f);
  else if constexpr (OP == kSoftplus) return x > 20.f ? x : (x < -20.f ? expf(x) : log1pf(expf(x)));
  else if constexpr (OP == kExpm1) return expm1f(x);
  else if constexpr (OP == kClip) return fminf(fmaxf(x, a), b);
  else if constexpr (OP == kSin) return sinf(x);
  else if constexpr (OP == kCos) return cosf(x);
  else if constexpr (OP == kErf) return erff(x);
  else if constexpr (OP == kSelu) return x >= 0.f ? 1.0507009873554805f * x : 1.7580993408473768f * (expf(x) - 1.f);
  else return x;
}

template <int OP>
__global__ void UnaryK(const float* __restrict__ x, float* __restrict__ y, int64_t n, float a, float b) {
  GRID_LOOP(i, n) y[i] = UnaryFn<OP>(x[i], a, b);
}

// ---------------------------------------------------------------- binary maps with broadcasting
enum BinaryOp { kAdd, kSub, kMul, kDiv, kMax, kMin, kSquaredDiff, kPow, kReluGrad, kEluGrad, kPrelu, kDivNoNan, kFloorDiv };

template <int OP>
__device__ __forceinline__ float BinaryFn(float a, float b) {
  if constexpr (OP == kAdd) return a + b;
  else if constexpr (OP == kSub) return a - b;
  else if constexpr (OP == kMul) return a * b;
  else if constexpr (OP == kDiv) return a / b;
  else if constexpr (OP == kMax) return (isnan(a) || a > b) ? a : b;
  else if constexpr (OP == kMin) return (isnan(a) || a < b) ? a : b;
  else if constexpr (OP == kSquaredDiff) return (a - b) * (a - b);
  else if constexpr (OP == kPow) return powf(a, b);
  else if constexpr (OP == kReluGrad) return b > 0.f ? a : 0.f;           // a = dy, b = x
  else if constexpr (OP == kEluGrad) return b < 0.f ? a * (b + 1.f) : a;  // a = dy, b = y
  else if constexpr (OP == kPrelu) return a < 0.f ? b * a : a;            // a = x, b = alpha
  else if constexpr (OP == kDivNoNan) return b == 0.f ? 0.f : a / b;
  else return floorf(a / b);
}

// Offsets of element i in a and b under the broadcast strides.
__device__ __forceinline__ void Offsets(const Broadcast& bc, int64_t i, int64_t& oa, int64_t& ob) {
  oa = 0;
  ob = 0;
  for (int d = bc.nd - 1; d >= 0; --d) {
    int64_t k = i % bc.dims[d];
    i /= bc.dims[d];
    oa += k * bc.a[d];
    ob += k * bc.b[d];
  }
}

int64_t Count(const int64_t* dims, int nd) {
  int64_t n = 1;
  for (int d = 0; d < nd; ++d) n *= dims[d];
  return n;
}

template <int OP>
__global__ void BinaryK(const float* __restrict__ a, const float* __restrict__ b, float* y, Broadcast bc, int64_t n) {
  GRID_LOOP(i, n) {
    int64_t oa, ob;
    Offsets(bc, i, oa, ob);
    y[i] = BinaryFn<OP>(a[oa], b[ob]);
  }
}

// Same shapes, no broadcasting: the common case, without index arithmetic.
template <int OP>
__global__ void BinaryFlatK(const float* __restrict__ a, const float* __restrict__ b, float* y, int64_t n) {
  GRID_LOOP(i, n) y[i] = BinaryFn<OP>(a[i], b[i]);
}

// Two dims where each operand is contiguous (mode 0), broadcast down the rows (1: index i % inner, a bias)
// or along the columns (2: index i / inner); 32-bit index arithmetic, the general kernel's 64-bit division
// per dim being the slow part of a bias add over a large activation.
template <int OP>
__global__ void Binary2K(const float* __restrict__ a, const float* __restrict__ b, float* y, uint32_t n, uint32_t inner, int am, int bm) {
  for (uint32_t i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += blockDim.x * gridDim.x) {
    uint32_t ia = am == 0 ? i : (am == 1 ? i % inner : i / inner);
    uint32_t ib = bm == 0 ? i : (bm == 1 ? i % inner : i / inner);
    y[i] = BinaryFn<OP>(a[ia], b[ib]);
  }
}

template <int OP>
__global__ void BinaryScalarK(const float* __restrict__ a, float s, float* y, int64_t n, bool scalarFirst) {
  GRID_LOOP(i, n) y[i] = scalarFirst ? BinaryFn<OP>(s, a[i]) : BinaryFn<OP>(a[i], s);
}

bool Flat(const Broadcast& bc) {
  int64_t sa = 1, sb = 1;
  for (int d = bc.nd - 1; d >= 0; --d) {
    if (bc.dims[d] != 1 && (bc.a[d] != sa || bc.b[d] != sb)) return false;
    sa *= bc.dims[d];
    sb *= bc.dims[d];
  }
  return true;
}

// The Binary2K mode of an operand's strides over two dims, or -1.
int Mode2(const int64_t* dims, const int64_t* s) {
  if (s[0] == dims[1] && s[1] == 1) return 0;
  if (s[0] == 0 && s[1] == 1) return 1;
  if (s[0] == 1 && s[1] == 0) return 2;
  return -1;
}

template <int OP>
void LaunchBinary(const float* a, const float* b, float* y, const Broadcast& bc) {
  int64_t n = Count(bc.dims, bc.nd);
  if (n == 0) return;
  if (Flat(bc)) {
    BinaryFlatK<OP><<<Blocks(n), kThreads, 0, Stream()>>>(a, b, y, n);
    return;
  }
  if (bc.nd == 2 && n < (int64_t{1} << 31)) {
    int am = Mode2(bc.dims, bc.a), bm = Mode2(bc.dims, bc.b);
    if (am >= 0 && bm >= 0) {
      Binary2K<OP><<<Blocks(n), kThreads, 0, Stream()>>>(a, b, y, static_cast<uint32_t>(n), static_cast<uint32_t>(bc.dims[1]), am, bm);
      return;
    }
  }
  BinaryK<OP><<<Blocks(n), kThreads, 0, Stream()>>>(a, b, y, bc, n);
}

template <int OP>
void LaunchBinaryScalar(const float* a, float s, float* y, int64_t n, bool scalarFirst) {
  if (n > 0) BinaryScalarK<OP><<<Blocks(n), kThreads, 0, Stream()>>>(a, s, y, n, scalarFirst);
}

// ---------------------------------------------------------------- comparisons and logic (bool = uint8)
template <int OP>
__device__ __forceinline__ uint8_t CompareFn(float a, float b) {
  if constexpr (OP == 0) return a == b;
  else if constexpr (OP == 1) return a != b;
  else if constexpr (OP == 2) return a < b;
  else if constexpr (OP == 3) return a <= b;
  else if constexpr (OP == 4) return a > b;
  else return a >= b;
}

template <int OP>
__global__ void CompareK(const float* __restrict__ a, const float* __restrict__ b, uint8_t* y, Broadcast bc, int64_t n) {
  GRID_LOOP(i, n) {
    int64_t oa, ob;
    Offsets(bc, i, oa, ob);
    y[i] = CompareFn<OP>(a[oa], b[ob]);
  }
}

__global__ void LogicalK(int op, const uint8_t* __restrict__ a, const uint8_t* __restrict__ b, uint8_t* y, Broadcast bc, int64_t n) {
  GRID_LOOP(i, n) {
    int64_t oa, ob;
    Offsets(bc, i, oa, ob);
    y[i] = op == 0 ? (a[oa] && b[ob]) : (a[oa] || b[ob]);
  }
}

__global__ void LogicalNotK(const uint8_t* __restrict__ x, uint8_t* y, int64_t n) {
  GRID_LOOP(i, n) y[i] = !x[i];
}

__global__ void SelectK(const uint8_t* __restrict__ c, const float* __restrict__ a, const float* __restrict__ b, float* y, int64_t n) {
  GRID_LOOP(i, n) y[i] = c[i] ? a[i] : b[i];
}

// ---------------------------------------------------------------- casts and fills
template <typename From, typename To>
__global__ void CastK(const From* __restrict__ x, To* y, int64_t n) {
  GRID_LOOP(i, n) {
    if constexpr (sizeof(To) == 1) y[i] = x[i] != From(0);
    else y[i] = static_cast<To>(x[i]);  // float -> int32 truncates toward zero, like Int32Array.from
  }
}

template <typename T>
__global__ void FillK(T* y, T v, int64_t n) {
  GRID_LOOP(i, n) y[i] = v;
}

// ---------------------------------------------------------------- reductions
enum ReduceOp { kSum, kMean, kRMax, kRMin, kProd };

template <int OP>
__host__ __device__ __forceinline__ float Identity() {
  if constexpr (OP == kRMax) return -INFINITY;
  else if constexpr (OP == kRMin) return INFINITY;
  else if constexpr (OP == kProd) return 1.f;
  else return 0.f;
}

template <int OP>
__device__ __forceinline__ float Combine(float a, float b) {
  if constexpr (OP == kRMax) return (isnan(a) || a > b) ? a : b;
  else if constexpr (OP == kRMin) return (isnan(a) || a < b) ? a : b;
  else if constexpr (OP == kProd) return a * b;
  else return a + b;
}

// Rows (inner == 1): block (o, chunk) reduces x[o, chunk part of r] into part[o * chunks + chunk].
template <int OP>
__global__ void ReduceRowsK(const float* __restrict__ x, float* part, int64_t r, int64_t chunk, float scale) {
  __shared__ float s[kThreads];
  int64_t o = blockIdx.x, c = blockIdx.y;
  int64_t begin = c * chunk, end = begin + chunk < r ? begin + chunk : r;
  const float* row = x + o * r;
  float acc = Identity<OP>();
  for (int64_t i = begin + threadIdx.x; i < end; i += kThreads) acc = Combine<OP>(acc, row[i]);
  s[threadIdx.x] = acc;
  __syncthreads();
  for (int w = kThreads / 2; w > 0; w >>= 1) {
    if (threadIdx.x < w) s[threadIdx.x] = Combine<OP>(s[threadIdx.x], s[threadIdx.x + w]);
    __syncthreads();
  }
  if (threadIdx.x == 0) part[o * gridDim.y + c] = OP == kMean ? s[0] * scale : s[0];
}

// Columns (inner > 1): block (column tile, o, chunk) of 32 x 8 threads; each column is summed by 8 threads
// over the chunk's rows, then combined in shared memory. Reads are coalesced along inner.
template <int OP>
__global__ void ReduceColsK(const float* __restrict__ x, float* part, int64_t r, int64_t inner, int64_t chunk, float scale, int64_t oBase) {
  __shared__ float s[8][33];
  int64_t col = blockIdx.x * 32 + threadIdx.x, o = oBase + blockIdx.y, c = blockIdx.z;
  int64_t begin = c * chunk, end = begin + chunk < r ? begin + chunk : r;
  float acc = Identity<OP>();
  if (col < inner) {
    const float* base = x + o * r * inner + col;
    for (int64_t i = begin + threadIdx.y; i < end; i += 8) acc = Combine<OP>(acc, base[i * inner]);
  }
  s[threadIdx.y][threadIdx.x] = acc;
  __syncthreads();
  if (threadIdx.y == 0 && col < inner) {
    float v = s[0][threadIdx.x];
    for (int k = 1; k < 8; ++k) v = Combine<OP>(v, s[k][threadIdx.x]);
    part[(o * gridDim.z + c) * inner + col] = OP == kMean ? v * scale : v;
  }
}

template <int OP>
void LaunchReduce(const float* x, float* y, int64_t outer, int64_t r, int64_t inner) {
  if (outer * inner == 0) return;
  // Mean scales each partial by 1/r, so partial means add up to the mean; the other ops are their own
  // partials. Chunks keep every multiprocessor busy when outer * inner is small (a whole-tensor sum).
  constexpr int kOuterOp = OP == kMean ? kSum : OP;
  const float scale = r > 0 ? 1.f / static_cast<float>(r) : 0.f;
  if (r == 0) {
    FillK<float><<<Blocks(outer * inner), kThreads, 0, Stream()>>>(y, OP == kMean ? NAN : Identity<OP>(), outer * inner);
    return;
  }
  int64_t want = inner == 1 ? (r + 4095) / 4096 : (r + 255) / 256;
  int64_t budget = (int64_t{1} << 16) / (outer * ((inner + 31) / 32));
  int64_t chunks = want < budget ? want : budget;
  if (chunks < 1) chunks = 1;
  if (chunks > 65535) chunks = 65535;
  int64_t chunk = (r + chunks - 1) / chunks;
  chunks = (r + chunk - 1) / chunk;
  float* part = chunks == 1 ? y : static_cast<float*>(Alloc(sizeof(float) * outer * chunks * inner));
  if (inner == 1) {
    ReduceRowsK<OP><<<dim3(static_cast<unsigned>(outer), static_cast<unsigned>(chunks)), kThreads, 0, Stream()>>>(x, part, r, chunk, scale);
  } else {
    // gridDim.y is limited to 65535: long outer ranges go in slices.
    for (int64_t o = 0; o < outer; o += 65535) {
      int64_t rows = outer - o < 65535 ? outer - o : 65535;
      dim3 grid(static_cast<unsigned>((inner + 31) / 32), static_cast<unsigned>(rows), static_cast<unsigned>(chunks));
      ReduceColsK<OP><<<grid, dim3(32, 8), 0, Stream()>>>(x, part, r, inner, chunk, scale, o);
    }
  }
  Launched("reduce");
  if (chunks > 1) {
    LaunchReduce<kOuterOp>(part, y, outer, chunks, inner);
    Free(part);
  }
}

// ---------------------------------------------------------------- strided copies
template <typename T>
__global__ void GatherK(const T* __restrict__ x, T* y, Strides s, int64_t n) {
  GRID_LOOP(i, n) {
    int64_t rem = i, off = s.offset;
    for (int d = s.nd - 1; d >= 0; --d) {
      int64_t k = rem % s.dims[d];
      rem /= s.dims[d];
      off += (k % s.mods[d]) * s.in[d];
    }
    y[i] = x[off];
  }
}

template <typename T>
__global__ void PlaceK(const T* __restrict__ x, T* y, Strides s, int64_t n) {
  GRID_LOOP(i, n) {
    int64_t rem = i, off = s.offset;
    for (int d = s.nd - 1; d >= 0; --d) {
      off += (rem % s.dims[d]) * s.in[d];
      rem /= s.dims[d];
    }
    y[off] = x[i];
  }
}

// ---------------------------------------------------------------- pooling (NHWC; padded cells are skipped)
__device__ __forceinline__ void PoolIndex(const PoolGeom& g, int64_t i, int& b, int& oy, int& ox, int& c) {
  c = static_cast<int>(i % g.c);
  int64_t t = i / g.c;
  ox = static_cast<int>(t % g.ow);
  t /= g.ow;
  oy = static_cast<int>(t % g.oh);
  b = static_cast<int>(t / g.oh);
}

// Index (into x) of the window's maximum: tfjs' rule (strictly greater than the best so far, starting from
// -Infinity, so the first maximum wins ties and NaN is never picked); -1 if nothing beats -Infinity.
__device__ __forceinline__ int64_t ArgMaxWindow(const float* x, const PoolGeom& g, int b, int oy, int ox, int c, float& best) {
  best = -INFINITY;
  int64_t at = -1;
  for (int fy = 0; fy < g.fh; ++fy) {
    int iy = oy * g.sh - g.pt + fy * g.dh;
    if (iy < 0 || iy >= g.h) continue;
    for (int fx = 0; fx < g.fw; ++fx) {
      int ix = ox * g.sw - g.pl + fx * g.dw;
      if (ix < 0 || ix >= g.w) continue;
      int64_t idx = ((int64_t{b} * g.h + iy) * g.w + ix) * g.c + c;
      float v = x[idx];
      if (v > best) {
        best = v;
        at = idx;
      }
    }
  }
  return at;
}

__global__ void MaxPoolK(const float* __restrict__ x, float* y, PoolGeom g, int64_t n) {
  GRID_LOOP(i, n) {
    int b, oy, ox, c;
    PoolIndex(g, i, b, oy, ox, c);
    float best;
    int64_t at = ArgMaxWindow(x, g, b, oy, ox, c, best);
    y[i] = best;
  }
}

// Gradients are gathered per input cell, adding over the windows that contain it in a fixed order: no atomics,
// so a seeded run repeats its numbers even where windows overlap.
__global__ void MaxPoolGradK(const float* __restrict__ dy, const float* __restrict__ x, float* dx, PoolGeom g, int64_t n) {
  GRID_LOOP(i, n) {
    int c = static_cast<int>(i % g.c);
    int64_t t = i / g.c;
    int ix = static_cast<int>(t % g.w);
    t /= g.w;
    int iy = static_cast<int>(t % g.h);
    int b = static_cast<int>(t / g.h);
    float acc = 0.f;
    for (int fy = 0; fy < g.fh; ++fy) {
      int ty = iy + g.pt - fy * g.dh;
      if (ty < 0 || ty % g.sh != 0 || ty / g.sh >= g.oh) continue;
      int oy = ty / g.sh;
      for (int fx = 0; fx < g.fw; ++fx) {
        int tx = ix + g.pl - fx * g.dw;
        if (tx < 0 || tx % g.sw != 0 || tx / g.sw >= g.ow) continue;
        int ox = tx / g.sw;
        float best;
        if (ArgMaxWindow(x, g, b, oy, ox, c, best) == i) acc += dy[((int64_t{b} * g.oh + oy) * g.ow + ox) * g.c + c];
      }
    }
    dx[i] = acc;
  }
}

// Windows that do not overlap: each input cell gets at most one dy, so a scatter into a zeroed dx is exact
// and deterministic, and it looks at each window once instead of once per cell.
__global__ void MaxPoolGradScatterK(const float* __restrict__ dy, const float* __restrict__ x, float* dx, PoolGeom g, int64_t n) {
  GRID_LOOP(i, n) {
    int b, oy, ox, c;
    PoolIndex(g, i, b, oy, ox, c);
    float best;
    int64_t at = ArgMaxWindow(x, g, b, oy, ox, c, best);
    if (at >= 0) dx[at] = dy[i];
  }
}

__global__ void AvgPoolK(const float* __restrict__ x, float* y, PoolGeom g, int64_t n) {
  GRID_LOOP(i, n) {
    int b, oy, ox, c;
    PoolIndex(g, i, b, oy, ox, c);
    float sum = 0.f;
    int count = 0;
    for (int fy = 0; fy < g.fh; ++fy) {
      int iy = oy * g.sh - g.pt + fy * g.dh;
      if (iy < 0 || iy >= g.h) continue;
      for (int fx = 0; fx < g.fw; ++fx) {
        int ix = ox * g.sw - g.pl + fx * g.dw;
        if (ix < 0 || ix >= g.w) continue;
        sum += x[((int64_t{b} * g.h + iy) * g.w + ix) * g.c + c];
        ++count;
      }
    }
    y[i] = count > 0 ? sum / count : 0.f;
  }
}

// tfjs' AvgPoolGrad spreads dy / (fh * fw) over the window's in-image cells (not / count); gathered per input
// cell like MaxPoolGradK.
__global__ void AvgPoolGradK(const float* __restrict__ dy, float* dx, PoolGeom g, int64_t n) {
  const float share = 1.f / static_cast<float>(g.fh * g.fw);
  GRID_LOOP(i, n) {
    int c = static_cast<int>(i % g.c);
    int64_t t = i / g.c;
    int ix = static_cast<int>(t % g.w);
    t /= g.w;
    int iy = static_cast<int>(t % g.h);
    int b = static_cast<int>(t / g.h);
    float acc = 0.f;
    for (int fy = 0; fy < g.fh; ++fy) {
      int ty = iy + g.pt - fy * g.dh;
      if (ty < 0 || ty % g.sh != 0 || ty / g.sh >= g.oh) continue;
      int oy = ty / g.sh;
      for (int fx = 0; fx < g.fw; ++fx) {
        int tx = ix + g.pl - fx * g.dw;
        if (tx < 0 || tx % g.sw != 0 || tx / g.sw >= g.ow) continue;
        acc += dy[((int64_t{b} * g.oh + oy) * g.ow + tx / g.sw) * g.c + c] * share;
      }
    }
    dx[i] = acc;
  }
}

// ---------------------------------------------------------------- batch norm, dropout, Adam
__global__ void BatchNormK(const float* __restrict__ x, const float* __restrict__ mean, int64_t mN,
                           const float* __restrict__ var, int64_t vN, const float* __restrict__ off, int64_t oN,
                           const float* __restrict__ scale, int64_t sN, float* y, int64_t n, float eps) {
  GRID_LOOP(i, n) {
    float s = scale ? scale[i % sN] : 1.f;
    float o = off ? off[i % oN] : 0.f;
    y[i] = o + (x[i] - mean[i % mN]) * s / sqrtf(var[i % vN] + eps);
  }
}

// murmur3's 32-bit finaliser: the same integer arithmetic as dropoutUniform() in src/backend/cuda/dropout.ts.
__host__ __device__ __forceinline__ uint32_t Mix(uint32_t h) {
  h ^= h >> 16;
  h *= 0x85ebca6bu;
  h ^= h >> 13;
  h *= 0xc2b2ae35u;
  h ^= h >> 16;
  return h;
}

__global__ void DropoutK(const float* __restrict__ x, float* y, int64_t n, float rate, float keepScale, uint32_t key) {
  GRID_LOOP(i, n) {
    float u = static_cast<float>(Mix(static_cast<uint32_t>(i) ^ key) >> 8) * (1.f / 16777216.f);
    y[i] = u >= rate ? x[i] * keepScale : 0.f;
  }
}

__global__ void AdamK(const float* __restrict__ value, const float* __restrict__ m, const float* __restrict__ v,
                      const float* __restrict__ g, float* valueOut, float* mOut, float* vOut, int64_t n, float lr,
                      float b1, float b2, float eps, float c1, float c2) {
  GRID_LOOP(i, n) {
    float gi = g[i];
    float mi = m[i] * b1 + gi * (1.f - b1);
    float vi = v[i] * b2 + gi * gi * (1.f - b2);
    mOut[i] = mi;
    vOut[i] = vi;
    valueOut[i] = value[i] + (mi / c1) / (sqrtf(vi / c2) + eps) * -lr;
  }
}

}  // namespace

// ---------------------------------------------------------------- launchers
#define UNARY_CASE(OP) \
  case OP: UnaryK<OP><<<Blocks(n), kThreads, 0, Stream()>>>(x, y, n, alpha, beta); break;

void Unary(int op, const float* x, float* y, int64_t n, float alpha, float beta) {
  if (n == 0) return;
  switch (op) {
    UNARY_CASE(kRelu) UNARY_CASE(kRelu6) UNARY_CASE(kStep) UNARY_CASE(kSigmoid) UNARY_CASE(kTanh)
    UNARY_CASE(kSquare) UNARY_CASE(kSqrt) UNARY_CASE(kRsqrt) UNARY_CASE(kExp) UNARY_CASE(kLog)
    UNARY_CASE(kLog1p) UNARY_CASE(kNeg) UNARY_CASE(kAbs) UNARY_CASE(kElu) UNARY_CASE(kLeakyRelu)
    UNARY_CASE(kReciprocal) UNARY_CASE(kFloor) UNARY_CASE(kCeil) UNARY_CASE(kRound) UNARY_CASE(kSign)
    UNARY_CASE(kSoftplus) UNARY_CASE(kExpm1) UNARY_CASE(kClip) UNARY_CASE(kSin) UNARY_CASE(kCos)
    UNARY_CASE(kErf) UNARY_CASE(kSelu) UNARY_CASE(kLinear)
    default: throw CudaError("unknown unary op " + std::to_string(op));
  }
  Launched("unary");
}

#define BINARY_CASE(OP) \
  case OP: LaunchBinary<OP>(a, b, y, bc); break;
#define BINARY_SCALAR_CASE(OP) \
  case OP: LaunchBinaryScalar<OP>(a, s, y, n, scalarFirst); break;

void Binary(int op, const float* a, const float* b, float* y, const Broadcast& bc) {
  switch (op) {
    BINARY_CASE(kAdd) BINARY_CASE(kSub) BINARY_CASE(kMul) BINARY_CASE(kDiv) BINARY_CASE(kMax) BINARY_CASE(kMin)
    BINARY_CASE(kSquaredDiff) BINARY_CASE(kPow) BINARY_CASE(kReluGrad) BINARY_CASE(kEluGrad) BINARY_CASE(kPrelu)
    BINARY_CASE(kDivNoNan) BINARY_CASE(kFloorDiv)
    default: throw CudaError("unknown binary op " + std::to_string(op));
  }
  Launched("binary");
}

void BinaryScalar(int op, const float* a, float s, float* y, int64_t n, bool scalarFirst) {
  switch (op) {
    BINARY_SCALAR_CASE(kAdd) BINARY_SCALAR_CASE(kSub) BINARY_SCALAR_CASE(kMul) BINARY_SCALAR_CASE(kDiv)
    BINARY_SCALAR_CASE(kMax) BINARY_SCALAR_CASE(kMin) BINARY_SCALAR_CASE(kSquaredDiff) BINARY_SCALAR_CASE(kPow)
    BINARY_SCALAR_CASE(kReluGrad) BINARY_SCALAR_CASE(kEluGrad) BINARY_SCALAR_CASE(kPrelu)
    BINARY_SCALAR_CASE(kDivNoNan) BINARY_SCALAR_CASE(kFloorDiv)
    default: throw CudaError("unknown binary op " + std::to_string(op));
  }
  Launched("binary scalar");
}

void Compare(int op, const float* a, const float* b, uint8_t* y, const Broadcast& bc) {
  int64_t n = Count(bc.dims, bc.nd);
  if (n == 0) return;
  switch (op) {
    case 0: CompareK<0><<<Blocks(n), kThreads, 0, Stream()>>>(a, b, y, bc, n); break;
    case 1: CompareK<1><<<Blocks(n), kThreads, 0, Stream()>>>(a, b, y, bc, n); break;
    case 2: CompareK<2><<<Blocks(n), kThreads, 0, Stream()>>>(a, b, y, bc, n); break;
    case 3: CompareK<3><<<Blocks(n), kThreads, 0, Stream()>>>(a, b, y, bc, n); break;
    case 4: CompareK<4><<<Blocks(n), kThreads, 0, Stream()>>>(a, b, y, bc, n); break;
    case 5: CompareK<5><<<Blocks(n), kThreads, 0, Stream()>>>(a, b, y, bc, n); break;
    default: throw CudaError("unknown comparison " + std::to_string(op));
  }
  Launched("compare");
}

void Logical(int op, const uint8_t* a, const uint8_t* b, uint8_t* y, const Broadcast& bc) {
  int64_t n = Count(bc.dims, bc.nd);
  if (n == 0) return;
  LogicalK<<<Blocks(n), kThreads, 0, Stream()>>>(op, a, b, y, bc, n);
  Launched("logical");
}

void LogicalNot(const uint8_t* x, uint8_t* y, int64_t n) {
  if (n == 0) return;
  LogicalNotK<<<Blocks(n), kThreads, 0, Stream()>>>(x, y, n);
  Launched("logicalNot");
}

void Select(const uint8_t* c, const float* a, const float* b, float* y, int64_t n) {
  if (n == 0) return;
  SelectK<<<Blocks(n), kThreads, 0, Stream()>>>(c, a, b, y, n);
  Launched("select");
}

template <typename From>
void CastFrom(const From* x, void* y, int to, int64_t n) {
  switch (to) {
    case kF32: CastK<From, float><<<Blocks(n), kThreads, 0, Stream()>>>(x, static_cast<float*>(y), n); break;
    case kI32: CastK<From, int32_t><<<Blocks(n), kThreads, 0, Stream()>>>(x, static_cast<int32_t*>(y), n); break;
    case kU8: CastK<From, uint8_t><<<Blocks(n), kThreads, 0, Stream()>>>(x, static_cast<uint8_t*>(y), n); break;
    default: throw CudaError("unknown dtype " + std::to_string(to));
  }
}

void Cast(const void* x, int from, void* y, int to, int64_t n) {
  if (n == 0) return;
  switch (from) {
    case kF32: CastFrom(static_cast<const float*>(x), y, to, n); break;
    case kI32: CastFrom(static_cast<const int32_t*>(x), y, to, n); break;
    case kU8: CastFrom(static_cast<const uint8_t*>(x), y, to, n); break;
    default: throw CudaError("unknown dtype " + std::to_string(from));
  }
  Launched("cast");
}

void Fill(void* y, int dtype, double value, int64_t n) {
  if (n == 0) return;
  switch (dtype) {
    case kF32: FillK<float><<<Blocks(n), kThreads, 0, Stream()>>>(static_cast<float*>(y), static_cast<float>(value), n); break;
    case kI32: FillK<int32_t><<<Blocks(n), kThreads, 0, Stream()>>>(static_cast<int32_t*>(y), static_cast<int32_t>(value), n); break;
    case kU8: FillK<uint8_t><<<Blocks(n), kThreads, 0, Stream()>>>(static_cast<uint8_t*>(y), value != 0 ? 1 : 0, n); break;
    default: throw CudaError("unknown dtype " + std::to_string(dtype));
  }
  Launched("fill");
}

void Reduce(int op, const float* x, float* y, int64_t outer, int64_t r, int64_t inner) {
  switch (op) {
    case kSum: LaunchReduce<kSum>(x, y, outer, r, inner); break;
    case kMean: LaunchReduce<kMean>(x, y, outer, r, inner); break;
    case kRMax: LaunchReduce<kRMax>(x, y, outer, r, inner); break;
    case kRMin: LaunchReduce<kRMin>(x, y, outer, r, inner); break;
    case kProd: LaunchReduce<kProd>(x, y, outer, r, inner); break;
    default: throw CudaError("unknown reduction " + std::to_string(op));
  }
}

void Gather(const void* x, void* y, int elemBytes, const Strides& s) {
  int64_t n = Count(s.dims, s.nd);
  if (n == 0) return;
  if (elemBytes == 4) GatherK<uint32_t><<<Blocks(n), kThreads, 0, Stream()>>>(static_cast<const uint32_t*>(x), static_cast<uint32_t*>(y), s, n);
  else if (elemBytes == 1) GatherK<uint8_t><<<Blocks(n), kThreads, 0, Stream()>>>(static_cast<const uint8_t*>(x), static_cast<uint8_t*>(y), s, n);
  else throw CudaError("gather: element size must be 1 or 4 bytes");
  Launched("gather");
}

void Place(const void* x, void* y, int elemBytes, const Strides& s) {
  int64_t n = Count(s.dims, s.nd);
  if (n == 0) return;
  if (elemBytes == 4) PlaceK<uint32_t><<<Blocks(n), kThreads, 0, Stream()>>>(static_cast<const uint32_t*>(x), static_cast<uint32_t*>(y), s, n);
  else if (elemBytes == 1) PlaceK<uint8_t><<<Blocks(n), kThreads, 0, Stream()>>>(static_cast<const uint8_t*>(x), static_cast<uint8_t*>(y), s, n);
  else throw CudaError("place: element size must be 1 or 4 bytes");
  Launched("place");
}

void MaxPool(const float* x, float* y, const PoolGeom& g) {
  int64_t n = int64_t{g.n} * g.oh * g.ow * g.c;
  if (n == 0) return;
  MaxPoolK<<<Blocks(n), kThreads, 0, Stream()>>>(x, y, g, n);
  Launched("maxPool");
}

void MaxPoolGrad(const float* dy, const float* x, float* dx, const PoolGeom& g) {
  const bool disjoint = g.sh >= (g.fh - 1) * g.dh + 1 && g.sw >= (g.fw - 1) * g.dw + 1;
  if (disjoint) {
    Check(cudaMemsetAsync(dx, 0, sizeof(float) * g.n * g.h * g.w * g.c, Stream()), "maxPoolGrad memset");
    int64_t n = int64_t{g.n} * g.oh * g.ow * g.c;
    if (n == 0) return;
    MaxPoolGradScatterK<<<Blocks(n), kThreads, 0, Stream()>>>(dy, x, dx, g, n);
    Launched("maxPoolGrad");
    return;
  }
  int64_t n = int64_t{g.n} * g.h * g.w * g.c;
  if (n == 0) return;
  MaxPoolGradK<<<Blocks(n), kThreads, 0, Stream()>>>(dy, x, dx, g, n);
  Launched("maxPoolGrad");
}

void AvgPool(const float* x, float* y, const PoolGeom& g) {
  int64_t n = int64_t{g.n} * g.oh * g.ow * g.c;
  if (n == 0) return;
  AvgPoolK<<<Blocks(n), kThreads, 0, Stream()>>>(x, y, g, n);
  Launched("avgPool");
}

void AvgPoolGrad(const float* dy, float* dx, const PoolGeom& g) {
  int64_t n = int64_t{g.n} * g.h * g.w * g.c;
  if (n == 0) return;
  AvgPoolGradK<<<Blocks(n), kThreads, 0, Stream()>>>(dy, dx, g, n);
  Launched("avgPoolGrad");
}

void BatchNorm(const float* x, const float* mean, int64_t meanN, const float* var, int64_t varN, const float* offset,
               int64_t offsetN, const float* scale, int64_t scaleN, float* y, int64_t n, float eps) {
  if (n == 0) return;
  BatchNormK<<<Blocks(n), kThreads, 0, Stream()>>>(x, mean, meanN, var, varN, offset, offsetN, scale, scaleN, y, n, eps);
  Launched("batchNorm");
}

void Dropout(const float* x, float* y, int64_t n, float rate, uint32_t seed) {
  if (n == 0) return;
  uint32_t key = Mix(seed * 0x9e3779b9u + 0x7f4a7c15u);
  DropoutK<<<Blocks(n), kThreads, 0, Stream()>>>(x, y, n, rate, 1.f / (1.f - rate), key);
  Launched("dropout");
}

void Adam(const float* value, const float* m, const float* v, const float* grad, float* valueOut, float* mOut, float* vOut,
          int64_t n, float lr, float beta1, float beta2, float eps, float correction1, float correction2) {
  if (n == 0) return;
  AdamK<<<Blocks(n), kThreads, 0, Stream()>>>(value, m, v, grad, valueOut, mOut, vOut, n, lr, beta1, beta2, eps, correction1, correction2);
  Launched("adam");
}

}  // namespace mpc
