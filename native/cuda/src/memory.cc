// The device runtime: the one stream, the caching allocator and the host<->device copies.
#include <algorithm>
#include <cstring>
#include <mutex>
#include <unordered_map>
#include <vector>
#include "device.h"

namespace mpc {
namespace {

struct Runtime {
  cudaStream_t stream = nullptr;
  // Device buffers: free lists by rounded size; live sizes by pointer.
  std::unordered_map<size_t, std::vector<void*>> free;
  std::unordered_map<void*, size_t> live;
  size_t inUse = 0, cached = 0, peak = 0;
  // Pinned host buffers for uploads: each one busy until its event has passed.
  struct Staging {
    void* p;
    size_t bytes;
    cudaEvent_t done;
  };
  std::vector<Staging> staging;
  size_t stagingBytes = 0;
  // Pinned host buffers for asynchronous downloads, by size. Guarded: released from worker threads.
  std::mutex pinnedMutex;
  std::unordered_map<void*, size_t> pinnedLive;
  std::unordered_map<size_t, std::vector<void*>> pinnedFree;
  size_t pinnedBytes = 0;
};

Runtime& Rt() {
  static Runtime* rt = [] {
    auto* r = new Runtime();
    Check(cudaSetDevice(0), "cudaSetDevice");
    Check(cudaStreamCreateWithFlags(&r->stream, cudaStreamNonBlocking), "cudaStreamCreate");
    return r;
  }();
  return *rt;
}

// Exact classes: 512-byte steps up to 1 MiB, then 1/8 of the power of two below the size. A training
// step repeats its sizes, so nearly every request after the first step is served from a free list.
size_t RoundSize(size_t bytes) {
  if (bytes <= 512) return 512;
  if (bytes <= (size_t{1} << 20)) return (bytes + 511) & ~size_t{511};
  int log2 = 63 - __builtin_clzll(bytes);
  size_t step = size_t{1} << (log2 - 3);
  return (bytes + step - 1) / step * step;
}

// Uploads at least this large go through pinned staging; smaller ones through the driver's own staging
// (cudaMemcpyAsync from pageable memory returns once the source has been copied, so the caller may reuse it).
constexpr size_t kPinnedUploadMin = size_t{1} << 20;
constexpr size_t kStagingCap = size_t{1} << 30;

}  // namespace

void Check(cudaError_t status, const char* what) {
  if (status != cudaSuccess) {
    cudaGetLastError();  // clear a sticky launch error so the next call reports its own
    throw CudaError(std::string(what) + ": " + cudaGetErrorString(status));
  }
}

cudaStream_t Stream() { return Rt().stream; }

void* Alloc(size_t bytes) {
  Runtime& rt = Rt();
  size_t size = RoundSize(bytes);
  void* p = nullptr;
  auto it = rt.free.find(size);
  if (it != rt.free.end() && !it->second.empty()) {
    p = it->second.back();
    it->second.pop_back();
    rt.cached -= size;
  } else {
    cudaError_t status = cudaMalloc(&p, size);
    if (status == cudaErrorMemoryAllocation) {
      cudaGetLastError();
      ReleaseCached();
      status = cudaMalloc(&p, size);
    }
    Check(status, "cudaMalloc");
  }
  rt.live[p] = size;
  rt.inUse += size;
  rt.peak = std::max(rt.peak, rt.inUse);
  return p;
}

void Free(void* p) {
  if (p == nullptr) return;
  Runtime& rt = Rt();
  auto it = rt.live.find(p);
  if (it == rt.live.end()) throw CudaError("free: not a live device buffer");
  size_t size = it->second;
  rt.live.erase(it);
  rt.inUse -= size;
  rt.cached += size;
  rt.free[size].push_back(p);
}

void ReleaseCached() {
  Runtime& rt = Rt();
  Check(cudaStreamSynchronize(rt.stream), "cudaStreamSynchronize");
  for (auto& [size, list] : rt.free) {
    for (void* p : list) cudaFree(p);
    list.clear();
  }
  rt.cached = 0;
}

MemoryStats Memory() {
  Runtime& rt = Rt();
  std::lock_guard<std::mutex> lock(rt.pinnedMutex);
  return {rt.inUse, rt.cached, rt.peak, rt.stagingBytes + rt.pinnedBytes};
}

void Upload(void* dst, const void* src, size_t bytes) {
  if (bytes == 0) return;
  Runtime& rt = Rt();
  if (bytes < kPinnedUploadMin) {
    Check(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyHostToDevice, rt.stream), "upload");
    return;
  }
  Runtime::Staging* slot = nullptr;
  for (auto& s : rt.staging) {
    if (s.bytes >= bytes && cudaEventQuery(s.done) == cudaSuccess && (slot == nullptr || s.bytes < slot->bytes)) slot = &s;
  }
  if (slot == nullptr && rt.stagingBytes + bytes > kStagingCap) {
    // At the cap: wait until every staging buffer is idle, then drop the ones too small to matter.
    Check(cudaStreamSynchronize(rt.stream), "cudaStreamSynchronize");
    for (auto& s : rt.staging) {
      if (s.bytes >= bytes && (slot == nullptr || s.bytes < slot->bytes)) slot = &s;
    }
    if (slot == nullptr) {
      for (auto& s : rt.staging) {
        cudaFreeHost(s.p);
        cudaEventDestroy(s.done);
      }
      rt.staging.clear();
      rt.stagingBytes = 0;
    }
  }
  if (slot == nullptr) {
    Runtime::Staging s{nullptr, bytes, nullptr};
    Check(cudaHostAlloc(&s.p, bytes, cudaHostAllocDefault), "cudaHostAlloc");
    Check(cudaEventCreateWithFlags(&s.done, cudaEventDisableTiming), "cudaEventCreate");
    rt.staging.push_back(s);
    rt.stagingBytes += bytes;
    slot = &rt.staging.back();
  }
  std::memcpy(slot->p, src, bytes);
  Check(cudaMemcpyAsync(dst, slot->p, bytes, cudaMemcpyHostToDevice, rt.stream), "upload");
  Check(cudaEventRecord(slot->done, rt.stream), "cudaEventRecord");
}

void Download(void* dst, const void* src, size_t bytes) {
  if (bytes == 0) return;
  Runtime& rt = Rt();
  Check(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToHost, rt.stream), "download");
  Check(cudaStreamSynchronize(rt.stream), "download (a kernel issued earlier failed)");
}

void* AcquirePinned(size_t bytes) {
  Runtime& rt = Rt();
  size_t size = RoundSize(bytes);
  std::lock_guard<std::mutex> lock(rt.pinnedMutex);
  auto& list = rt.pinnedFree[size];
  void* p = nullptr;
  if (!list.empty()) {
    p = list.back();
    list.pop_back();
  } else {
    Check(cudaHostAlloc(&p, size, cudaHostAllocDefault), "cudaHostAlloc");
    rt.pinnedBytes += size;
  }
  rt.pinnedLive[p] = size;
  return p;
}

void ReleasePinned(void* p) {
  Runtime& rt = Rt();
  std::lock_guard<std::mutex> lock(rt.pinnedMutex);
  auto it = rt.pinnedLive.find(p);
  if (it == rt.pinnedLive.end()) return;
  rt.pinnedFree[it->second].push_back(p);
  rt.pinnedLive.erase(it);
}

}  // namespace mpc
