#pragma once
#include <napi.h>

Napi::Value ScanTree(const Napi::CallbackInfo& info);
