// One ingest job's files in one call (ingest_files.cc).
#pragma once
#include <napi.h>

Napi::Value IngestFiles(const Napi::CallbackInfo& info);
