// N-API surface of the medpipe CUDA backend (src/backend/cuda/device.ts declares the same functions).
// Device pointers travel as JS numbers: CUDA's unified addresses stay below 2^48, exact in a double.
#include <napi.h>
#include <cstring>
#include <string>
#include <vector>
#include "device.h"
#include "dnn.h"

namespace mpc {
namespace {

template <typename T = void>
T* Ptr(const Napi::Value& v) {
  return reinterpret_cast<T*>(static_cast<uintptr_t>(v.As<Napi::Number>().Int64Value()));
}
int64_t Int(const Napi::Value& v) { return v.As<Napi::Number>().Int64Value(); }
double Num(const Napi::Value& v) { return v.As<Napi::Number>().DoubleValue(); }

std::vector<int64_t> Ints(const Napi::Value& v) {
  Napi::Array a = v.As<Napi::Array>();
  std::vector<int64_t> out(a.Length());
  for (uint32_t i = 0; i < a.Length(); ++i) out[i] = a.Get(i).As<Napi::Number>().Int64Value();
  return out;
}

void CopyDims(int64_t* dst, const std::vector<int64_t>& src, const char* what) {
  if (src.size() > static_cast<size_t>(kMaxDims)) throw CudaError(std::string(what) + ": more than 8 dimensions");
  for (size_t i = 0; i < src.size(); ++i) dst[i] = src[i];
}

Broadcast MakeBroadcast(const Napi::CallbackInfo& info, int at) {
  Broadcast bc{};
  auto dims = Ints(info[at]), a = Ints(info[at + 1]), b = Ints(info[at + 2]);
  if (a.size() != dims.size() || b.size() != dims.size()) throw CudaError("broadcast: strides do not match the shape");
  bc.nd = static_cast<int>(dims.size());
  CopyDims(bc.dims, dims, "broadcast");
  CopyDims(bc.a, a, "broadcast");
  CopyDims(bc.b, b, "broadcast");
  return bc;
}

Strides MakeStrides(const Napi::CallbackInfo& info, int at, bool withMods) {
  Strides s{};
  auto dims = Ints(info[at]);
  auto mods = withMods ? Ints(info[at + 1]) : dims;
  auto in = Ints(info[at + (withMods ? 2 : 1)]);
  if (mods.size() != dims.size() || in.size() != dims.size()) throw CudaError("strides: lengths do not match the shape");
  s.nd = static_cast<int>(dims.size());
  CopyDims(s.dims, dims, "strides");
  CopyDims(s.mods, mods, "strides");
  CopyDims(s.in, in, "strides");
  s.offset = Int(info[at + (withMods ? 3 : 2)]);
  return s;
}

PoolGeom MakePool(const Napi::Value& v) {
  auto g = Ints(v);
  if (g.size() != 14) throw CudaError("pool geometry needs 14 numbers");
  return {static_cast<int>(g[0]), static_cast<int>(g[1]), static_cast<int>(g[2]), static_cast<int>(g[3]),
          static_cast<int>(g[4]), static_cast<int>(g[5]), static_cast<int>(g[6]), static_cast<int>(g[7]),
          static_cast<int>(g[8]), static_cast<int>(g[9]), static_cast<int>(g[10]), static_cast<int>(g[11]),
          static_cast<int>(g[12]), static_cast<int>(g[13])};
}

ConvGeom MakeConv(const Napi::Value& v) {
  auto g = Ints(v);
  if (g.size() != 15) throw CudaError("conv geometry needs 15 numbers");
  ConvGeom c{};
  int* f = &c.n;
  for (int i = 0; i < 15; ++i) f[i] = static_cast<int>(g[i]);
  return c;
}

using Impl = Napi::Value (*)(const Napi::CallbackInfo&);

// Turns C++ and CUDA failures into JS errors that name the backend.
template <Impl F>
Napi::Value Guard(const Napi::CallbackInfo& info) {
  try {
    return F(info);
  } catch (const Napi::Error&) {
    throw;
  } catch (const std::exception& e) {
    throw Napi::Error::New(info.Env(), std::string("cuda backend: ") + e.what());
  }
}

Napi::Value Undefined(const Napi::CallbackInfo& info) { return info.Env().Undefined(); }

Napi::Value Info(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int count = 0;
  Check(cudaGetDeviceCount(&count), "cudaGetDeviceCount");
  if (count == 0) throw CudaError("no CUDA device");
  cudaDeviceProp prop{};
  Check(cudaGetDeviceProperties(&prop, 0), "cudaGetDeviceProperties");
  int driver = 0, runtime = 0;
  cudaDriverGetVersion(&driver);
  cudaRuntimeGetVersion(&runtime);
  Napi::Object o = Napi::Object::New(env);
  o.Set("device", std::string(prop.name));
  o.Set("computeCapability", std::to_string(prop.major) + "." + std::to_string(prop.minor));
  o.Set("multiprocessors", prop.multiProcessorCount);
  o.Set("memoryMiB", static_cast<double>(prop.totalGlobalMem >> 20));
  o.Set("driver", std::to_string(driver / 1000) + "." + std::to_string(driver % 1000 / 10));
  o.Set("runtime", std::to_string(runtime / 1000) + "." + std::to_string(runtime % 1000 / 10));
  o.Set("libraries", DnnVersions());
  return o;
}

Napi::Value AllocJs(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(reinterpret_cast<uintptr_t>(Alloc(static_cast<size_t>(Int(info[0]))))));
}

Napi::Value FreeJs(const Napi::CallbackInfo& info) {
  Free(Ptr(info[0]));
  return Undefined(info);
}

Napi::Value UploadJs(const Napi::CallbackInfo& info) {
  Napi::TypedArray src = info[1].As<Napi::TypedArray>();
  uint8_t* data = static_cast<uint8_t*>(src.ArrayBuffer().Data()) + src.ByteOffset();
  Upload(Ptr(info[0]), data, src.ByteLength());
  return Undefined(info);
}

Napi::Value DownloadJs(const Napi::CallbackInfo& info) {
  Napi::TypedArray dst = info[1].As<Napi::TypedArray>();
  uint8_t* data = static_cast<uint8_t*>(dst.ArrayBuffer().Data()) + dst.ByteOffset();
  Download(data, Ptr(info[0]), dst.ByteLength());
  return Undefined(info);
}

// Waits for a device->pinned copy on a libuv thread, then hands the bytes to JS in a new ArrayBuffer.
class DownloadWorker : public Napi::AsyncWorker {
 public:
  DownloadWorker(Napi::Env env, void* pinned, size_t bytes, cudaEvent_t done)
      : Napi::AsyncWorker(env), deferred_(Napi::Promise::Deferred::New(env)), pinned_(pinned), bytes_(bytes), done_(done) {}
  ~DownloadWorker() override {
    cudaEventDestroy(done_);
    ReleasePinned(pinned_);
  }
  Napi::Promise Promise() { return deferred_.Promise(); }
  void Execute() override {
    cudaError_t status = cudaEventSynchronize(done_);
    if (status != cudaSuccess) SetError(std::string("cuda backend: download (a kernel issued earlier failed): ") + cudaGetErrorString(status));
  }
  void OnOK() override {
    Napi::ArrayBuffer out = Napi::ArrayBuffer::New(Env(), bytes_);
    std::memcpy(out.Data(), pinned_, bytes_);
    deferred_.Resolve(out);
  }
  void OnError(const Napi::Error& e) override { deferred_.Reject(e.Value()); }

 private:
  Napi::Promise::Deferred deferred_;
  void* pinned_;
  size_t bytes_;
  cudaEvent_t done_;
};

Napi::Value DownloadAsyncJs(const Napi::CallbackInfo& info) {
  size_t bytes = static_cast<size_t>(Int(info[1]));
  void* pinned = AcquirePinned(bytes > 0 ? bytes : 1);
  cudaEvent_t done;
  Check(cudaEventCreateWithFlags(&done, cudaEventDisableTiming), "cudaEventCreate");
  if (bytes > 0) Check(cudaMemcpyAsync(pinned, Ptr(info[0]), bytes, cudaMemcpyDeviceToHost, Stream()), "download");
  Check(cudaEventRecord(done, Stream()), "cudaEventRecord");
  auto* worker = new DownloadWorker(info.Env(), pinned, bytes, done);
  Napi::Promise promise = worker->Promise();
  worker->Queue();
  return promise;
}

Napi::Value SyncJs(const Napi::CallbackInfo& info) {
  Check(cudaStreamSynchronize(Stream()), "synchronize (a kernel issued earlier failed)");
  return Undefined(info);
}

Napi::Value MemoryJs(const Napi::CallbackInfo& info) {
  MemoryStats m = Memory();
  Napi::Object o = Napi::Object::New(info.Env());
  o.Set("inUse", static_cast<double>(m.inUse));
  o.Set("cached", static_cast<double>(m.cached));
  o.Set("peak", static_cast<double>(m.peak));
  o.Set("pinned", static_cast<double>(m.pinned));
  return o;
}

Napi::Value ReleaseCachedJs(const Napi::CallbackInfo& info) {
  ReleaseCached();
  return Undefined(info);
}

Napi::Value UnaryJs(const Napi::CallbackInfo& info) {
  Unary(static_cast<int>(Int(info[0])), Ptr<float>(info[1]), Ptr<float>(info[2]), Int(info[3]),
        static_cast<float>(Num(info[4])), static_cast<float>(Num(info[5])));
  return Undefined(info);
}

Napi::Value BinaryJs(const Napi::CallbackInfo& info) {
  Binary(static_cast<int>(Int(info[0])), Ptr<float>(info[1]), Ptr<float>(info[2]), Ptr<float>(info[3]), MakeBroadcast(info, 4));
  return Undefined(info);
}

Napi::Value BinaryScalarJs(const Napi::CallbackInfo& info) {
  BinaryScalar(static_cast<int>(Int(info[0])), Ptr<float>(info[1]), static_cast<float>(Num(info[2])), Ptr<float>(info[3]),
               Int(info[4]), info[5].As<Napi::Boolean>().Value());
  return Undefined(info);
}

Napi::Value CompareJs(const Napi::CallbackInfo& info) {
  Compare(static_cast<int>(Int(info[0])), Ptr<float>(info[1]), Ptr<float>(info[2]), Ptr<uint8_t>(info[3]), MakeBroadcast(info, 4));
  return Undefined(info);
}

Napi::Value LogicalJs(const Napi::CallbackInfo& info) {
  Logical(static_cast<int>(Int(info[0])), Ptr<uint8_t>(info[1]), Ptr<uint8_t>(info[2]), Ptr<uint8_t>(info[3]), MakeBroadcast(info, 4));
  return Undefined(info);
}

Napi::Value LogicalNotJs(const Napi::CallbackInfo& info) {
  LogicalNot(Ptr<uint8_t>(info[0]), Ptr<uint8_t>(info[1]), Int(info[2]));
  return Undefined(info);
}

Napi::Value SelectJs(const Napi::CallbackInfo& info) {
  Select(Ptr<uint8_t>(info[0]), Ptr<float>(info[1]), Ptr<float>(info[2]), Ptr<float>(info[3]), Int(info[4]));
  return Undefined(info);
}

Napi::Value CastJs(const Napi::CallbackInfo& info) {
  Cast(Ptr(info[0]), static_cast<int>(Int(info[1])), Ptr(info[2]), static_cast<int>(Int(info[3])), Int(info[4]));
  return Undefined(info);
}

Napi::Value FillJs(const Napi::CallbackInfo& info) {
  Fill(Ptr(info[0]), static_cast<int>(Int(info[1])), Num(info[2]), Int(info[3]));
  return Undefined(info);
}

Napi::Value ReduceJs(const Napi::CallbackInfo& info) {
  Reduce(static_cast<int>(Int(info[0])), Ptr<float>(info[1]), Ptr<float>(info[2]), Int(info[3]), Int(info[4]), Int(info[5]));
  return Undefined(info);
}

Napi::Value GatherJs(const Napi::CallbackInfo& info) {
  Gather(Ptr(info[0]), Ptr(info[1]), static_cast<int>(Int(info[2])), MakeStrides(info, 3, true));
  return Undefined(info);
}

Napi::Value PlaceJs(const Napi::CallbackInfo& info) {
  Place(Ptr(info[0]), Ptr(info[1]), static_cast<int>(Int(info[2])), MakeStrides(info, 3, false));
  return Undefined(info);
}

Napi::Value MaxPoolJs(const Napi::CallbackInfo& info) {
  MaxPool(Ptr<float>(info[0]), Ptr<float>(info[1]), MakePool(info[2]));
  return Undefined(info);
}

Napi::Value MaxPoolGradJs(const Napi::CallbackInfo& info) {
  MaxPoolGrad(Ptr<float>(info[0]), Ptr<float>(info[1]), Ptr<float>(info[2]), MakePool(info[3]));
  return Undefined(info);
}

Napi::Value AvgPoolJs(const Napi::CallbackInfo& info) {
  AvgPool(Ptr<float>(info[0]), Ptr<float>(info[1]), MakePool(info[2]));
  return Undefined(info);
}

Napi::Value AvgPoolGradJs(const Napi::CallbackInfo& info) {
  AvgPoolGrad(Ptr<float>(info[0]), Ptr<float>(info[1]), MakePool(info[2]));
  return Undefined(info);
}

Napi::Value BatchNormJs(const Napi::CallbackInfo& info) {
  BatchNorm(Ptr<float>(info[0]), Ptr<float>(info[1]), Int(info[2]), Ptr<float>(info[3]), Int(info[4]), Ptr<float>(info[5]),
            Int(info[6]), Ptr<float>(info[7]), Int(info[8]), Ptr<float>(info[9]), Int(info[10]), static_cast<float>(Num(info[11])));
  return Undefined(info);
}

Napi::Value DropoutJs(const Napi::CallbackInfo& info) {
  Dropout(Ptr<float>(info[0]), Ptr<float>(info[1]), Int(info[2]), static_cast<float>(Num(info[3])),
          static_cast<uint32_t>(Int(info[4])));
  return Undefined(info);
}

Napi::Value AdamJs(const Napi::CallbackInfo& info) {
  Adam(Ptr<float>(info[0]), Ptr<float>(info[1]), Ptr<float>(info[2]), Ptr<float>(info[3]), Ptr<float>(info[4]),
       Ptr<float>(info[5]), Ptr<float>(info[6]), Int(info[7]), static_cast<float>(Num(info[8])), static_cast<float>(Num(info[9])),
       static_cast<float>(Num(info[10])), static_cast<float>(Num(info[11])), static_cast<float>(Num(info[12])),
       static_cast<float>(Num(info[13])));
  return Undefined(info);
}

Napi::Value Conv2dJs(const Napi::CallbackInfo& info) {
  Conv2d(Ptr<float>(info[0]), Ptr<float>(info[1]), Ptr<float>(info[2]), MakeConv(info[3]));
  return Undefined(info);
}

Napi::Value Conv2dBackpropInputJs(const Napi::CallbackInfo& info) {
  Conv2dBackpropInput(Ptr<float>(info[0]), Ptr<float>(info[1]), Ptr<float>(info[2]), MakeConv(info[3]));
  return Undefined(info);
}

Napi::Value Conv2dBackpropFilterJs(const Napi::CallbackInfo& info) {
  Conv2dBackpropFilter(Ptr<float>(info[0]), Ptr<float>(info[1]), Ptr<float>(info[2]), MakeConv(info[3]));
  return Undefined(info);
}

Napi::Value MatMulJs(const Napi::CallbackInfo& info) {
  MatMulGeom g{static_cast<int>(Int(info[3])), static_cast<int>(Int(info[4])), static_cast<int>(Int(info[5])),
               static_cast<int>(Int(info[6])), info[7].As<Napi::Boolean>().Value(), info[8].As<Napi::Boolean>().Value(),
               Int(info[9]), Int(info[10])};
  MatMul(Ptr<float>(info[0]), Ptr<float>(info[1]), Ptr<float>(info[2]), g);
  return Undefined(info);
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  auto put = [&](const char* name, Napi::Function::Callback fn) { exports.Set(name, Napi::Function::New(env, fn, name)); };
  put("info", Guard<Info>);
  put("alloc", Guard<AllocJs>);
  put("free", Guard<FreeJs>);
  put("upload", Guard<UploadJs>);
  put("download", Guard<DownloadJs>);
  put("downloadAsync", Guard<DownloadAsyncJs>);
  put("sync", Guard<SyncJs>);
  put("memory", Guard<MemoryJs>);
  put("releaseCached", Guard<ReleaseCachedJs>);
  put("unary", Guard<UnaryJs>);
  put("binary", Guard<BinaryJs>);
  put("binaryScalar", Guard<BinaryScalarJs>);
  put("compare", Guard<CompareJs>);
  put("logical", Guard<LogicalJs>);
  put("logicalNot", Guard<LogicalNotJs>);
  put("select", Guard<SelectJs>);
  put("cast", Guard<CastJs>);
  put("fill", Guard<FillJs>);
  put("reduce", Guard<ReduceJs>);
  put("gather", Guard<GatherJs>);
  put("place", Guard<PlaceJs>);
  put("maxPool", Guard<MaxPoolJs>);
  put("maxPoolGrad", Guard<MaxPoolGradJs>);
  put("avgPool", Guard<AvgPoolJs>);
  put("avgPoolGrad", Guard<AvgPoolGradJs>);
  put("batchNorm", Guard<BatchNormJs>);
  put("dropout", Guard<DropoutJs>);
  put("adam", Guard<AdamJs>);
  put("conv2d", Guard<Conv2dJs>);
  put("conv2dBackpropInput", Guard<Conv2dBackpropInputJs>);
  put("conv2dBackpropFilter", Guard<Conv2dBackpropFilterJs>);
  put("matMul", Guard<MatMulJs>);
  return exports;
}

}  // namespace
}  // namespace mpc

static Napi::Object InitAddon(Napi::Env env, Napi::Object exports) { return mpc::Init(env, exports); }
NODE_API_MODULE(medpipe_cuda, InitAddon)
