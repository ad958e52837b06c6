// medpipe's image codec addon: PNG (libspng) and JPEG (libjpeg-turbo) straight to the pixels a
// record stores (8-bit stays 8-bit, 16-bit stays 16-bit), with EXIF orientation, channel
// conversion and PIL-exact bilinear resizing. Synchronous by design: ingest calls it from its own
// worker threads, one file at a time per thread.
#include <napi.h>

#include <cstring>

#include "image.h"
#include "loader.h"
#include "stat_many.h"

namespace {
bool is_png(const uint8_t* b, size_t n) { return n >= 8 && std::memcmp(b, "\x89PNG\r\n\x1a\n", 8) == 0; }
bool is_jpeg(const uint8_t* b, size_t n) { return n >= 3 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF; }

// Per channel [n, sum, M2] of the samples, in the order and arithmetic of medpipe's recordMoments
// (src/data/store/record-moments.ts): sum in pixel order, then M2 as the sum of d * d with
// d = v - sum / n (built with -ffp-contract=off, so no fused multiply-add changes a rounding).
// The sum is accumulated in integers: every partial sum of 8- and 16-bit samples is a whole number
// below 2^53, so it is exact in either type and equals the JavaScript double sum bit for bit, and
// the integer loop vectorises. M2 stays one double chain in pixel order (any other order would
// round differently); for 8-bit samples each d * d comes from a 256-entry table of the very same
// products. Kept out of line, free of N-API calls, so the accumulators live in registers (inlined
// into Decode they were spilled to the stack on every pixel: 4x the cost of decoding a JPEG).
template <typename T>
__attribute__((noinline)) void MomentsOf(const T* data, size_t pixels, int channels, double* out) {
  for (int c = 0; c < channels; c++) {
    uint64_t whole = 0;
    if (channels == 1)
      for (size_t k = 0; k < pixels; k++) whole += data[k];  // contiguous: vectorised
    else
      for (size_t k = 0; k < pixels; k++) whole += data[k * channels + c];
    const double sum = static_cast<double>(whole);
    const double mean = sum / static_cast<double>(pixels);
    double m2 = 0;
    if constexpr (sizeof(T) == 1) {
      double squares[256];
      for (int v = 0; v < 256; v++) {
        const double d = v - mean;
        squares[v] = d * d;
      }
      for (size_t k = 0; k < pixels; k++) m2 += squares[data[k * channels + c]];
    } else {
      for (size_t k = 0; k < pixels; k++) {
        const double d = data[k * channels + c] - mean;
        m2 += d * d;
      }
    }
    out[c * 3] = static_cast<double>(pixels);
    out[c * 3 + 1] = sum;
    out[c * 3 + 2] = m2;
  }
}

Napi::Array Moments(Napi::Env env, const Image& image) {
  const size_t pixels = static_cast<size_t>(image.width) * image.height;
  std::vector<double> moments(static_cast<size_t>(image.channels) * 3);
  if (image.depth == 16) MomentsOf(image.u16(), pixels, image.channels, moments.data());
  else MomentsOf(image.data.data(), pixels, image.channels, moments.data());
  Napi::Array out = Napi::Array::New(env, moments.size());
  for (size_t i = 0; i < moments.size(); i++) out.Set(static_cast<uint32_t>(i), moments[i]);
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
  const char* format;
  int orientation = 1;
  if (is_png(bytes, length)) {
    format = "png";
    if (!decode_png(bytes, length, image, error)) {
      Napi::Error::New(env, "PNG: " + error).ThrowAsJavaScriptException();
      return env.Undefined();
    }
  } else if (is_jpeg(bytes, length)) {
    format = "jpeg";
    if (!decode_jpeg(bytes, length, channels, image, error)) {
      if (error == "CMYK JPEG") return env.Null();  // the general decoder converts CMYK
      Napi::Error::New(env, "JPEG: " + error).ThrowAsJavaScriptException();
      return env.Undefined();
    }
    orientation = jpeg_orientation(bytes, length);
  } else {
    return env.Null();
  }
  const int source_channels = image.channels;
  apply_orientation(image, orientation);
  convert_channels(image, channels);
  resample_bilinear(image, height, width);
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

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("lookupU8", Napi::Function::New(env, LookupU8));
  exports.Set("affine", Napi::Function::New(env, Affine));
  exports.Set("statMany", Napi::Function::New(env, StatMany));
  exports.Set("decode", Napi::Function::New(env, Decode));
  exports.Set("resample", Napi::Function::New(env, Resample));
  exports.Set("version", Napi::Number::New(env, 1));
  return exports;
}
}  // namespace

NODE_API_MODULE(medpipe_codec, Init)
