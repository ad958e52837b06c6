// Convolutions through cuDNN and matrix products through cuBLAS, on the backend's one stream.
//
// Activations are NHWC (tfjs' layout, and the one cuDNN's tensor-core kernels prefer); tfjs filters are HWIO,
// which cuDNN does not take, so filters are reordered to KRSC (cuDNN's NHWC filter layout) on the device.
// Algorithms are chosen once per geometry. By default they are cuDNN's heuristic choice among the deterministic
// algorithms, so that a seeded run repeats its numbers on the same GPU and libraries (like PyTorch with
// cudnn.deterministic); MEDPIPE_CUDA_BENCHMARK=1 times every algorithm instead (cudnnFind*Ex, like
// cudnn.benchmark), and MEDPIPE_CUDA_DETERMINISTIC=0 admits non-deterministic ones. Convolutions may use TF32
// tensor cores (PyTorch's default for cuDNN) unless MEDPIPE_CUDA_TF32=0; matrix products are plain FP32
// (PyTorch's default for cuBLAS) unless MEDPIPE_CUDA_TF32=1.
#include <cublas_v2.h>
#include <cudnn.h>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>
#include "dnn.h"

namespace mpc {
namespace {

void CheckDnn(cudnnStatus_t status, const char* what) {
  if (status != CUDNN_STATUS_SUCCESS) throw CudaError(std::string(what) + ": " + cudnnGetErrorString(status));
}

void CheckBlas(cublasStatus_t status, const char* what) {
  if (status != CUBLAS_STATUS_SUCCESS) throw CudaError(std::string(what) + ": cuBLAS status " + std::to_string(status));
}

bool EnvIs(const char* name, const char* value) {
  const char* v = std::getenv(name);
  return v != nullptr && std::strcmp(v, value) == 0;
}

bool Benchmark() { return EnvIs("MEDPIPE_CUDA_BENCHMARK", "1"); }
bool Deterministic() { return !EnvIs("MEDPIPE_CUDA_DETERMINISTIC", "0"); }

// The first usable algorithm in cuDNN's order (fastest measured, or heuristically best), deterministic ones
// only unless none is or they are not asked for.
template <typename Perf>
int Pick(const Perf* perf, int found, size_t workspaceLimit) {
  const bool deterministic = Deterministic();
  for (int pass = 0; pass < 2; ++pass) {
    for (int i = 0; i < found; ++i) {
      if (perf[i].status != CUDNN_STATUS_SUCCESS || perf[i].memory > workspaceLimit) continue;
      if (pass == 0 && deterministic && perf[i].determinism != CUDNN_DETERMINISTIC) continue;
      return i;
    }
  }
  return -1;
}

int Tf32Setting() {
  const char* v = std::getenv("MEDPIPE_CUDA_TF32");
  if (v == nullptr || *v == '\0') return -1;  // default per library
  return std::strcmp(v, "0") == 0 ? 0 : 1;
}

cudnnHandle_t Dnn() {
  static cudnnHandle_t h = [] {
    cudnnHandle_t handle;
    CheckDnn(cudnnCreate(&handle), "cudnnCreate");
    CheckDnn(cudnnSetStream(handle, Stream()), "cudnnSetStream");
    return handle;
  }();
  return h;
}

cublasHandle_t Blas() {
  static cublasHandle_t h = [] {
    cublasHandle_t handle;
    CheckBlas(cublasCreate(&handle), "cublasCreate");
    CheckBlas(cublasSetStream(handle, Stream()), "cublasSetStream");
    CheckBlas(cublasSetMathMode(handle, Tf32Setting() == 1 ? CUBLAS_TF32_TENSOR_OP_MATH : CUBLAS_DEFAULT_MATH), "cublasSetMathMode");
    return handle;
  }();
  return h;
}

// Workspace the algorithm search may use per candidate.
constexpr size_t kSearchWorkspace = size_t{512} << 20;

struct Plan {
  cudnnTensorDescriptor_t x = nullptr, y = nullptr;
  cudnnFilterDescriptor_t w = nullptr;
  cudnnConvolutionDescriptor_t conv = nullptr;
  bool haveFwd = false, haveData = false, haveFilter = false;
  cudnnConvolutionFwdAlgo_t fwd{};
  cudnnConvolutionBwdDataAlgo_t data{};
  cudnnConvolutionBwdFilterAlgo_t filter{};
  size_t fwdWs = 0, dataWs = 0, filterWs = 0;
};

std::string Key(const ConvGeom& g) {
  return std::to_string(g.n) + "," + std::to_string(g.h) + "," + std::to_string(g.w) + "," + std::to_string(g.c) + "," +
         std::to_string(g.fh) + "," + std::to_string(g.fw) + "," + std::to_string(g.k) + "," + std::to_string(g.oh) + "," +
         std::to_string(g.ow) + "," + std::to_string(g.sh) + "," + std::to_string(g.sw) + "," + std::to_string(g.dh) + "," +
         std::to_string(g.dw) + "," + std::to_string(g.pt) + "," + std::to_string(g.pl);
}

Plan& PlanFor(const ConvGeom& g) {
  static std::map<std::string, Plan> plans;
  std::string key = Key(g);
  auto it = plans.find(key);
  if (it != plans.end()) return it->second;
  Plan p;
  CheckDnn(cudnnCreateTensorDescriptor(&p.x), "cudnnCreateTensorDescriptor");
  CheckDnn(cudnnCreateTensorDescriptor(&p.y), "cudnnCreateTensorDescriptor");
  CheckDnn(cudnnCreateFilterDescriptor(&p.w), "cudnnCreateFilterDescriptor");
  CheckDnn(cudnnCreateConvolutionDescriptor(&p.conv), "cudnnCreateConvolutionDescriptor");
  CheckDnn(cudnnSetTensor4dDescriptor(p.x, CUDNN_TENSOR_NHWC, CUDNN_DATA_FLOAT, g.n, g.c, g.h, g.w), "input descriptor");
  CheckDnn(cudnnSetTensor4dDescriptor(p.y, CUDNN_TENSOR_NHWC, CUDNN_DATA_FLOAT, g.n, g.k, g.oh, g.ow), "output descriptor");
  CheckDnn(cudnnSetFilter4dDescriptor(p.w, CUDNN_DATA_FLOAT, CUDNN_TENSOR_NHWC, g.k, g.c, g.fh, g.fw), "filter descriptor");
  CheckDnn(cudnnSetConvolution2dDescriptor(p.conv, g.pt, g.pl, g.sh, g.sw, g.dh, g.dw, CUDNN_CROSS_CORRELATION, CUDNN_DATA_FLOAT),
           "convolution descriptor");
  CheckDnn(cudnnSetConvolutionMathType(p.conv, Tf32Setting() == 0 ? CUDNN_FMA_MATH : CUDNN_DEFAULT_MATH), "math type");
  int n, c, h, w;
  CheckDnn(cudnnGetConvolution2dForwardOutputDim(p.conv, p.x, p.w, &n, &c, &h, &w), "output size");
  if (n != g.n || c != g.k || h != g.oh || w != g.ow) {
    throw CudaError("conv2d: cuDNN's output size " + std::to_string(h) + "x" + std::to_string(w) + " differs from tfjs' " +
                    std::to_string(g.oh) + "x" + std::to_string(g.ow));
  }
  return plans.emplace(key, p).first->second;
}

// Scratch device memory released at the end of the scope (stream order makes the reuse safe).
struct Scratch {
  void* p = nullptr;
  explicit Scratch(size_t bytes) : p(bytes > 0 ? Alloc(bytes) : nullptr) {}
  ~Scratch() { Free(p); }
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
};

// HWIO [R,S,C,K] -> KRSC [K,R,S,C].
void HwioToKrsc(const float* src, float* dst, const ConvGeom& g) {
  Strides s{};
  s.nd = 4;
  int64_t dims[4] = {g.k, g.fh, g.fw, g.c};
  int64_t in[4] = {1, int64_t{g.fw} * g.c * g.k, int64_t{g.c} * g.k, g.k};
  for (int d = 0; d < 4; ++d) {
    s.dims[d] = dims[d];
    s.mods[d] = dims[d];
    s.in[d] = in[d];
  }
  Gather(src, dst, 4, s);
}

// KRSC [K,R,S,C] -> HWIO [R,S,C,K].
void KrscToHwio(const float* src, float* dst, const ConvGeom& g) {
  Strides s{};
  s.nd = 4;
  int64_t dims[4] = {g.fh, g.fw, g.c, g.k};
  int64_t in[4] = {int64_t{g.fw} * g.c, g.c, 1, int64_t{g.fh} * g.fw * g.c};
  for (int d = 0; d < 4; ++d) {
    s.dims[d] = dims[d];
    s.mods[d] = dims[d];
    s.in[d] = in[d];
  }
  Gather(src, dst, 4, s);
}

size_t FilterBytes(const ConvGeom& g) { return sizeof(float) * g.fh * g.fw * g.c * g.k; }

}  // namespace

void Conv2d(const float* x, const float* w, float* y, const ConvGeom& g) {
  Plan& p = PlanFor(g);
  Scratch krsc(FilterBytes(g));
  HwioToKrsc(w, static_cast<float*>(krsc.p), g);
  const float one = 1.f, zero = 0.f;
  if (!p.haveFwd) {
    cudnnConvolutionFwdAlgoPerf_t perf[CUDNN_CONVOLUTION_FWD_ALGO_COUNT];
    int found = 0;
    if (Benchmark()) {
      Scratch ws(kSearchWorkspace);
      CheckDnn(cudnnFindConvolutionForwardAlgorithmEx(Dnn(), p.x, x, p.w, krsc.p, p.conv, p.y, y,
                                                      CUDNN_CONVOLUTION_FWD_ALGO_COUNT, &found, perf, ws.p, kSearchWorkspace),
               "conv2d algorithm search");
    } else {
      CheckDnn(cudnnGetConvolutionForwardAlgorithm_v7(Dnn(), p.x, p.w, p.conv, p.y, CUDNN_CONVOLUTION_FWD_ALGO_COUNT, &found, perf),
               "conv2d algorithm choice");
    }
    int i = Pick(perf, found, kSearchWorkspace);
    if (i < 0) throw CudaError("conv2d: cuDNN found no algorithm for this shape");
    p.fwd = perf[i].algo;
    p.fwdWs = perf[i].memory;
    p.haveFwd = true;
  }
  Scratch ws(p.fwdWs);
  CheckDnn(cudnnConvolutionForward(Dnn(), &one, p.x, x, p.w, krsc.p, p.conv, p.fwd, ws.p, p.fwdWs, &zero, p.y, y), "conv2d");
}

void Conv2dBackpropInput(const float* dy, const float* w, float* dx, const ConvGeom& g) {
  Plan& p = PlanFor(g);
  Scratch krsc(FilterBytes(g));
  HwioToKrsc(w, static_cast<float*>(krsc.p), g);
  const float one = 1.f, zero = 0.f;
  if (!p.haveData) {
    cudnnConvolutionBwdDataAlgoPerf_t perf[CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT];
    int found = 0;
    if (Benchmark()) {
      Scratch ws(kSearchWorkspace);
      CheckDnn(cudnnFindConvolutionBackwardDataAlgorithmEx(Dnn(), p.w, krsc.p, p.y, dy, p.conv, p.x, dx,
                                                           CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT, &found, perf, ws.p,
                                                           kSearchWorkspace),
               "conv2d input-gradient algorithm search");
    } else {
      CheckDnn(cudnnGetConvolutionBackwardDataAlgorithm_v7(Dnn(), p.w, p.y, p.conv, p.x, CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT,
                                                           &found, perf),
               "conv2d input-gradient algorithm choice");
    }
    int i = Pick(perf, found, kSearchWorkspace);
    if (i < 0) throw CudaError("conv2dBackpropInput: cuDNN found no algorithm for this shape");
    p.data = perf[i].algo;
    p.dataWs = perf[i].memory;
    p.haveData = true;
  }
  Scratch ws(p.dataWs);
  CheckDnn(cudnnConvolutionBackwardData(Dnn(), &one, p.w, krsc.p, p.y, dy, p.conv, p.data, ws.p, p.dataWs, &zero, p.x, dx),
           "conv2dBackpropInput");
}

void Conv2dBackpropFilter(const float* x, const float* dy, float* dw, const ConvGeom& g) {
  Plan& p = PlanFor(g);
  Scratch krsc(FilterBytes(g));
  const float one = 1.f, zero = 0.f;
  if (!p.haveFilter) {
    cudnnConvolutionBwdFilterAlgoPerf_t perf[CUDNN_CONVOLUTION_BWD_FILTER_ALGO_COUNT];
    int found = 0;
    if (Benchmark()) {
      Scratch ws(kSearchWorkspace);
      CheckDnn(cudnnFindConvolutionBackwardFilterAlgorithmEx(Dnn(), p.x, x, p.y, dy, p.conv, p.w, krsc.p,
                                                             CUDNN_CONVOLUTION_BWD_FILTER_ALGO_COUNT, &found, perf, ws.p,
                                                             kSearchWorkspace),
               "conv2d filter-gradient algorithm search");
    } else {
      CheckDnn(cudnnGetConvolutionBackwardFilterAlgorithm_v7(Dnn(), p.x, p.y, p.conv, p.w,
                                                             CUDNN_CONVOLUTION_BWD_FILTER_ALGO_COUNT, &found, perf),
               "conv2d filter-gradient algorithm choice");
    }
    int i = Pick(perf, found, kSearchWorkspace);
    if (i < 0) throw CudaError("conv2dBackpropFilter: cuDNN found no algorithm for this shape");
    p.filter = perf[i].algo;
    p.filterWs = perf[i].memory;
    p.haveFilter = true;
  }
  Scratch ws(p.filterWs);
  CheckDnn(cudnnConvolutionBackwardFilter(Dnn(), &one, p.x, x, p.y, dy, p.conv, p.filter, ws.p, p.filterWs, &zero, p.w,
                                          krsc.p),
           "conv2dBackpropFilter");
  KrscToHwio(static_cast<const float*>(krsc.p), dw, g);
}

// Row-major C[b] = op(A[b]) op(B[b]) as the column-major product C^T = op(B)^T op(A)^T. A batch stride of 0
// broadcasts a single matrix over the batch.
void MatMul(const float* a, const float* b, float* c, const MatMulGeom& g) {
  const float one = 1.f, zero = 0.f;
  cublasOperation_t opA = g.transA ? CUBLAS_OP_T : CUBLAS_OP_N;
  cublasOperation_t opB = g.transB ? CUBLAS_OP_T : CUBLAS_OP_N;
  int lda = g.transA ? g.m : g.k;
  int ldb = g.transB ? g.k : g.n;
  CheckBlas(cublasSgemmStridedBatched(Blas(), opB, opA, g.n, g.m, g.k, &one, b, ldb, g.strideB, a, lda, g.strideA, &zero,
                                      c, g.n, int64_t{g.m} * g.n, g.batch),
            "matMul");
}

std::string DnnVersions() {
  int blas = 0;
  CheckBlas(cublasGetVersion(Blas(), &blas), "cublasGetVersion");
  size_t dnn = cudnnGetVersion();
  return "cuDNN " + std::to_string(dnn / 10000) + "." + std::to_string(dnn / 100 % 100) + "." + std::to_string(dnn % 100) +
         ", cuBLAS " + std::to_string(blas / 10000) + "." + std::to_string(blas / 100 % 100) + "." + std::to_string(blas % 100);
}

}  // namespace mpc
