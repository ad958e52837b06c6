// Bulk stat of a listing (stat_many.cc).
#pragma once
#include <napi.h>

Napi::Value StatMany(const Napi::CallbackInfo& info);
