// Batched matrix multiply for BatchMatMul and _FusedMatMul: OpenBLAS sgemm when it is linked and chosen,
// oneDNN's sgemm otherwise (both row-major, transposes handled by the library, no copies).
#include <dnnl.h>
#include "common.h"
#ifdef MP_HAVE_OPENBLAS
#include <cblas.h>
#endif

namespace mp {
namespace {

bool useOpenblas = false;

void Sgemm(bool ta, bool tb, int64_t m, int64_t n, int64_t k, const float* a, const float* b, float* c) {
  int64_t lda = ta ? m : k, ldb = tb ? k : n;
#ifdef MP_HAVE_OPENBLAS
  if (useOpenblas) {
    cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, (blasint)m, (blasint)n,
                (blasint)k, 1.f, a, (blasint)lda, b, (blasint)ldb, 0.f, c, (blasint)n);
    return;
  }
#endif
  dnnl_status_t st = dnnl_sgemm(ta ? 'T' : 'N', tb ? 'T' : 'N', m, n, k, 1.f, a, lda, b, ldb, 0.f, c, n);
  if (st != dnnl_success) throw std::runtime_error("dnnl_sgemm failed with status " + std::to_string((int)st));
}

// matmul(a, b, out, batchA, batchB, m, n, k, transA, transB, bias|null, act, alpha)
// Batch i of the output uses batch (i % batchA) of a and (i % batchB) of b, as tfjs' CPU kernel does.
Napi::Value Matmul(const Napi::CallbackInfo& info) {
  const float* a = F32(info[0], "a");
  const float* b = F32(info[1], "b");
  float* c = F32(info[2], "out");
  int64_t batchA = Int(info[3]), batchB = Int(info[4]), m = Int(info[5]), n = Int(info[6]), k = Int(info[7]);
  bool ta = info[8].As<Napi::Boolean>(), tb = info[9].As<Napi::Boolean>();
  const float* bias = F32OrNull(info[10], "bias");
  int64_t biasLen = bias ? static_cast<int64_t>(F32Len(info[10])) : 0;
  int act = static_cast<int>(Int(info[11]));
  float alpha = static_cast<float>(Num(info[12]));
  int64_t batch = std::max(batchA, batchB);
  try {
    for (int64_t i = 0; i < batch; ++i) {
      Sgemm(ta, tb, m, n, k, a + (i % batchA) * m * k, b + (i % batchB) * k * n, c + i * m * n);
    }
  } catch (const std::exception& err) {
    throw Napi::Error::New(info.Env(), err.what());
  }
  int64_t total = batch * m * n;
  if (bias) {
    // bias is either one value per output column (length n) or a single value.
    ParallelRange(total / n, kParallelGrain / std::max<int64_t>(n, 1) + 1, [=](int64_t r0, int64_t r1) {
      for (int64_t r = r0; r < r1; ++r) {
        float* row = c + r * n;
        if (biasLen == 1) {
          for (int64_t j = 0; j < n; ++j) row[j] += bias[0];
        } else {
          for (int64_t j = 0; j < n; ++j) row[j] += bias[j];
        }
      }
    });
  }
  if (act != kLinear) ApplyActivation(c, total, act, alpha);
  return info.Env().Undefined();
}

Napi::Value SetGemm(const Napi::CallbackInfo& info) {
  std::string which = info[0].As<Napi::String>();
#ifdef MP_HAVE_OPENBLAS
  useOpenblas = which == "openblas";
#else
  if (which == "openblas") throw Napi::Error::New(info.Env(), "this build has no OpenBLAS");
#endif
  return Napi::String::New(info.Env(), GemmName());
}

}  // namespace

std::string GemmName() { return useOpenblas ? "openblas" : "onednn"; }

void RegisterGemm(Napi::Env env, Napi::Object exports) {
  exports.Set("matmul", Napi::Function::New(env, Matmul));
  exports.Set("setGemm", Napi::Function::New(env, SetGemm));
}

}  // namespace mp
