// A decoded raster image: interleaved samples, 8-bit (uint8) or 16-bit (host-endian uint16).
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

struct Image {
  int width = 0;
  int height = 0;
  int channels = 0;  // 1 (grey) or 3 (RGB): alpha is dropped by the decoders
  int depth = 8;     // bits per sample: 8 or 16
  std::vector<uint8_t> data;

  size_t samples() const { return static_cast<size_t>(width) * height * channels; }
  uint16_t* u16() { return reinterpret_cast<uint16_t*>(data.data()); }
  const uint16_t* u16() const { return reinterpret_cast<const uint16_t*>(data.data()); }
};

// Each returns false and sets `error` on a damaged file.
bool decode_png(const uint8_t* bytes, size_t length, Image& out, std::string& error);
// The common PNG (8-bit grey or RGB, not interlaced, nothing but pHYs beside the image data, no
// damage) in one pass (png_plain.cc): false, `out` untouched, for any other file.
bool decode_png_plain(const uint8_t* bytes, size_t length, Image& out);
// `channels` 1 asks libjpeg for its luma channel directly (no colour conversion); 3 or 0 for RGB
// (0 keeps a grey JPEG grey).
bool decode_jpeg(const uint8_t* bytes, size_t length, int channels, Image& out, std::string& error);

// EXIF orientation (1-8) of a JPEG, 1 when absent.
int jpeg_orientation(const uint8_t* bytes, size_t length);
void apply_orientation(Image& image, int orientation);

// 1 <-> 3 channels: grey is replicated; RGB -> grey is PIL's ITU-R 601-2 luma
// (R*19595 + G*38470 + B*7471 + 0x8000) >> 16, computed the same way on 16-bit samples.
void convert_channels(Image& image, int channels);

// PIL's Image.resize(..., BILINEAR): separable triangle filter whose support widens with the
// downscale factor (antialiased), horizontal pass first; 8-bit in PIL's 22-bit fixed point (bit
// for bit), 16-bit in double precision rounded to nearest.
void resample_bilinear(Image& image, int height, int width);
