// fsync on a thread of its own (fsync_file.cc).
#pragma once
#include <napi.h>

Napi::Value FsyncFile(const Napi::CallbackInfo& info);
