// Entry point of the medpipe native addon: registers the kernel groups and reports what it was built with.
#include <dnnl.hpp>
#include "common.h"
#ifdef MP_HAVE_OPENBLAS
#include <cblas.h>
#endif

namespace mp {
namespace {

Napi::Value Info(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = Napi::Object::New(env);
  const dnnl_version_t* v = dnnl_version();
  o.Set("onednn", std::to_string(v->major) + "." + std::to_string(v->minor) + "." + std::to_string(v->patch));
#ifdef MP_HAVE_OPENBLAS
  o.Set("openblas", std::string(openblas_get_config()));
#else
  o.Set("openblas", env.Null());
#endif
  o.Set("gemm", GemmName());
  o.Set("threads", omp_get_max_threads());
  return o;
}

Napi::Value SetThreads(const Napi::CallbackInfo& info) {
  int n = static_cast<int>(Int(info[0]));
  if (n >= 1) {
    omp_set_num_threads(n);
#ifdef MP_HAVE_OPENBLAS
    openblas_set_num_threads(n);
#endif
  }
  return Napi::Number::New(info.Env(), omp_get_max_threads());
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("info", Napi::Function::New(env, Info));
  exports.Set("setThreads", Napi::Function::New(env, SetThreads));
  RegisterConv(env, exports);
  RegisterGemm(env, exports);
  RegisterElementwise(env, exports);
  RegisterReduce(env, exports);
  RegisterPool(env, exports);
  RegisterGather(env, exports);
  return exports;
}

}  // namespace
}  // namespace mp

static Napi::Object InitAddon(Napi::Env env, Napi::Object exports) { return mp::Init(env, exports); }
NODE_API_MODULE(medpipe_native, InitAddon)
