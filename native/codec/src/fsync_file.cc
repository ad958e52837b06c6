// fsyncFile(fd) → Promise<void>: fsync(2) on a thread of its own, not on libuv's pool. A shard's
// fsync waits tens of ms (over 100 under disk load) for the disk; on the pool it held one of the four
// threads that the codec's decoding calls need, so fsyncs had to take turns, one at a time, and a
// run's shards queued behind each other. Here any number wait at once, and the file system commits
// concurrent fsyncs together (ext4's journal: a dozen concurrent ones cost about what two in turn do).
#include "fsync_file.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <system_error>
#include <thread>

namespace {
struct Pending {
  Napi::Promise::Deferred deferred;
  int error = 0;
};

// Names as fs errors give them ('EIO'), so callers handle both alike.
const char* errno_code(int error) {
  switch (error) {
    case EBADF: return "EBADF";
    case EIO: return "EIO";
    case ENOSPC: return "ENOSPC";
    case EDQUOT: return "EDQUOT";
    case EINVAL: return "EINVAL";
    case EROFS: return "EROFS";
    default: return "EIO";
  }
}
}  // namespace

Napi::Value FsyncFile(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsNumber()) {
    Napi::TypeError::New(env, "fsyncFile(fd)").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  const int fd = info[0].As<Napi::Number>().Int32Value();
  auto* pending = new Pending{Napi::Promise::Deferred::New(env)};
  Napi::Promise promise = pending->deferred.Promise();
  // The function keeps the event loop alive until the thread has reported back.
  auto done = Napi::ThreadSafeFunction::New(env, Napi::Function::New(env, [](const Napi::CallbackInfo&) {}), "fsyncFile", 0, 1);
  try {
    std::thread([done, fd, pending]() mutable {
      int rc;
      do rc = ::fsync(fd);
      while (rc != 0 && errno == EINTR);
      pending->error = rc == 0 ? 0 : errno;
      done.BlockingCall([pending](Napi::Env env, Napi::Function) {
        if (pending->error == 0) {
          pending->deferred.Resolve(env.Undefined());
        } else {
          Napi::Error error = Napi::Error::New(env, std::string(errno_code(pending->error)) + ": fsync failed: " + std::strerror(pending->error));
          error.Set("code", Napi::String::New(env, errno_code(pending->error)));
          pending->deferred.Reject(error.Value());
        }
        delete pending;
      });
      done.Release();
    }).detach();
  } catch (const std::system_error& e) {
    // No thread to be had: fsync here, on this thread (slower, never wrong).
    done.Release();
    const int rc = ::fsync(fd);
    if (rc == 0) pending->deferred.Resolve(env.Undefined());
    else {
      Napi::Error error = Napi::Error::New(env, std::string(errno_code(errno)) + ": fsync failed: " + std::strerror(errno));
      error.Set("code", Napi::String::New(env, errno_code(errno)));
      pending->deferred.Reject(error.Value());
    }
    delete pending;
  }
  return promise;
}
