// A command run by posix_spawn, its output captured (spawn_capture.cc).
#pragma once
#include <napi.h>

Napi::Value SpawnCapture(const Napi::CallbackInfo& info);
