// medpipe's image codec addon: PNG (libspng) and JPEG (libjpeg-turbo) straight to the pixels a
// record stores (8-bit stays 8-bit, 16-bit stays 16-bit), with EXIF orientation, channel
// conversion and PIL-exact bilinear resizing. decode() is synchronous (one file); ingestFiles()
// reads, hashes and decodes a whole job's files in one call on libuv's thread pool.
#include <napi.h>

#include <cstring>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include "fsync_file.h"
#include "image.h"
#include "ingest_files.h"
#include "loader.h"
#include "record.h"
#include "scan_tree.h"
#include "shard_body.h"
#include "spawn_capture.h"
#include "stat_many.h"

namespace {
Napi::Array Moments(Napi::Env env, const Image& image) {
  double moments[9];
  record_moments(image, moments);
  const uint32_t n = static_cast<uint32_t>(image.channels) * 3;
  Napi::Array out = Napi::Array::New(env, n);
  for (uint32_t i = 0; i < n; i++) out.Set(i, moments[i]);
  return out;
}

// decode(bytes: Uint8Array, channels: 0 | 1 | 3, height: number, width: number)
//   → { data: Buffer, width, height, channels, depth, format, sourceChannels, moments } or null when the
//   bytes are neither PNG nor JPEG (the caller then uses its general decoder). Throws on damage.
Napi::Value Decode(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 4 || !info[0].IsTypedArray()) {
    Napi::TypeError::New(env, "decode(bytes, channels, height, width)").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  Napi::Uint8Array input = info[0].As<Napi::Uint8Array>();
  const int channels = info[1].As<Napi::Number>().Int32Value();
  const int height = info[2].As<Napi::Number>().Int32Value();
  const int width = info[3].As<Napi::Number>().Int32Value();
  const uint8_t* bytes = input.Data();
  const size_t length = input.ByteLength();
  Image image;
  std::string error;
  const char* format = "";
  int source_channels = 0;
  switch (decode_record(bytes, length, channels, height, width, image, format, source_channels, error)) {
    case RecordResult::not_here:
      return env.Null();
    case RecordResult::damaged:
      Napi::Error::New(env, error).ThrowAsJavaScriptException();
      return env.Undefined();
    case RecordResult::ok:
      break;
  }
  Napi::Object out = Napi::Object::New(env);
  out.Set("moments", Moments(env, image));
  out.Set("data", Napi::Buffer<uint8_t>::Copy(env, image.data.data(), image.data.size()));
  out.Set("width", image.width);
  out.Set("height", image.height);
  out.Set("channels", image.channels);
  out.Set("depth", image.depth);
  out.Set("format", format);
  out.Set("sourceChannels", source_channels);
  return out;
}

// resample(data: Uint8Array | Uint16Array, height, width, channels, outHeight, outWidth) → same type:
// the bilinear resize alone, for pixels decoded elsewhere (sharp), so every path resizes alike.
Napi::Value Resample(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::TypedArray input = info[0].As<Napi::TypedArray>();
  Image image;
  image.height = info[1].As<Napi::Number>().Int32Value();
  image.width = info[2].As<Napi::Number>().Int32Value();
  image.channels = info[3].As<Napi::Number>().Int32Value();
  image.depth = input.TypedArrayType() == napi_uint16_array ? 16 : 8;
  const uint8_t* base = static_cast<const uint8_t*>(input.ArrayBuffer().Data()) + input.ByteOffset();
  image.data.assign(base, base + input.ByteLength());
  resample_bilinear(image, info[4].As<Napi::Number>().Int32Value(), info[5].As<Napi::Number>().Int32Value());
  Napi::ArrayBuffer buffer = Napi::ArrayBuffer::New(env, image.data.size());
  std::memcpy(buffer.Data(), image.data.data(), image.data.size());
  if (image.depth == 16) return Napi::Uint16Array::New(env, image.data.size() / 2, buffer, 0);
  return Napi::Uint8Array::New(env, image.data.size(), buffer, 0);
}

// Float32Array element `at` of a typed array, checked to hold `count` elements from there.
float* FloatsAt(Napi::Env env, const Napi::Value& value, size_t at, size_t count) {
  if (!value.IsTypedArray() || value.As<Napi::TypedArray>().TypedArrayType() != napi_float32_array) throw Napi::TypeError::New(env, "expected a Float32Array");
  Napi::Float32Array array = value.As<Napi::Float32Array>();
  if (at + count > array.ElementLength()) throw Napi::RangeError::New(env, "out of the array's bounds");
  return array.Data() + at;
}

// lookupU8(bytes: Uint8Array, table: Float32Array, channels, out: Float32Array, at): see loader.h.
Napi::Value LookupU8(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 5 || !info[0].IsTypedArray() || info[0].As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array)
    throw Napi::TypeError::New(env, "lookupU8(bytes, table, channels, out, at)");
  Napi::Uint8Array bytes = info[0].As<Napi::Uint8Array>();
  const int channels = info[2].As<Napi::Number>().Int32Value();
  if (channels < 1) throw Napi::RangeError::New(env, "channels must be at least 1");
  const float* table = FloatsAt(env, info[1], 0, static_cast<size_t>(256) * channels);
  float* out = FloatsAt(env, info[3], info[4].As<Napi::Number>().Int64Value(), bytes.ElementLength());
  lookup_u8(bytes.Data(), bytes.ElementLength(), table, channels, out);
  return env.Undefined();
}

// affine(src, srcOffset, dst, dstOffset, h, w, ch, [a, b, e, c, d, f], fill 0|1|2, fillValue): see loader.h.
Napi::Value Affine(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 10 || !info[7].IsArray()) throw Napi::TypeError::New(env, "affine(src, srcOffset, dst, dstOffset, h, w, ch, map, fill, fillValue)");
  const int h = info[4].As<Napi::Number>().Int32Value();
  const int w = info[5].As<Napi::Number>().Int32Value();
  const int ch = info[6].As<Napi::Number>().Int32Value();
  if (h < 1 || w < 1 || ch < 1) throw Napi::RangeError::New(env, "affine: empty image");
  const size_t size = static_cast<size_t>(h) * w * ch;
  const float* src = FloatsAt(env, info[0], info[1].As<Napi::Number>().Int64Value(), size);
  float* dst = FloatsAt(env, info[2], info[3].As<Napi::Number>().Int64Value(), size);
  Napi::Array map = info[7].As<Napi::Array>();
  if (map.Length() != 6) throw Napi::TypeError::New(env, "affine: the map has 6 numbers");
  double m[6];
  for (uint32_t i = 0; i < 6; i++) m[i] = map.Get(i).As<Napi::Number>().DoubleValue();
  affine_sample(src, dst, h, w, ch, m, info[8].As<Napi::Number>().Int32Value(), info[9].As<Napi::Number>().DoubleValue());
  return env.Undefined();
}

// trimMemory() → true when glibc gave memory back: malloc_trim(0) between a run's stages. Ingest's
// per-file allocations on this thread leave the main arena's freed pages resident (~22 MiB at 10^5
// files, growing with the data set) until trimmed; other libcs return false.
Napi::Value TrimMemory(const Napi::CallbackInfo& info) {
#if defined(__GLIBC__)
  return Napi::Boolean::New(info.Env(), malloc_trim(0) == 1);
#else
  return Napi::Boolean::New(info.Env(), false);
#endif
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
#if defined(__GLIBC__)
  // ingestFiles grows each job's records (up to ~16 MiB) on libuv's threads and frees them on the
  // main thread. glibc raises its mmap threshold to the largest block freed, so later blocks come
  // from the threads' arenas, whose freed pages are never given back: resident memory after an
  // ingest grew with the data set (~200 MiB at 30,000 224x224 images, ~450 MiB at 100,000). A
  // fixed threshold keeps blocks of 1 MiB and more in mappings of their own, returned when freed.
  mallopt(M_MMAP_THRESHOLD, 1 << 20);
#endif
  exports.Set("lookupU8", Napi::Function::New(env, LookupU8));
  exports.Set("affine", Napi::Function::New(env, Affine));
  exports.Set("statMany", Napi::Function::New(env, StatMany));
  exports.Set("scanTree", Napi::Function::New(env, ScanTree));
  exports.Set("trimMemory", Napi::Function::New(env, TrimMemory));
  exports.Set("decode", Napi::Function::New(env, Decode));
  exports.Set("ingestFiles", Napi::Function::New(env, IngestFiles));
  exports.Set("shardDigest", Napi::Function::New(env, ShardDigest));
  exports.Set("fsyncFile", Napi::Function::New(env, FsyncFile));
  exports.Set("spawnCapture", Napi::Function::New(env, SpawnCapture));
  exports.Set("resample", Napi::Function::New(env, Resample));
  exports.Set("version", Napi::Number::New(env, 1));
  return exports;
}
}  // namespace

NODE_API_MODULE(medpipe_codec, Init)
