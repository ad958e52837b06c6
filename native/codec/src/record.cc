// One file's bytes → the record ingest stores (see record.h).
#include "record.h"

#include <cstring>

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
// into the N-API function they were spilled to the stack on every pixel: 4x the cost of decoding a JPEG).
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
// The M2 chains of four 8-bit grey images of `pixels` samples each, interleaved. Each chain is the
// very sequence of additions MomentsOf makes for its image (so the same bits), but one addition
// waits on the previous one of its own chain only: four chains keep the adder busy where one
// leaves it idle for its latency (M2 was half the cost of decoding a 224x224 JPEG).
__attribute__((noinline)) void Grey8MomentsX4(const uint8_t* const* data, size_t pixels, double* const* out) {
  double squares[4][256];
  double m2[4] = {0, 0, 0, 0};
  for (int i = 0; i < 4; i++) {
    uint64_t whole = 0;
    for (size_t k = 0; k < pixels; k++) whole += data[i][k];
    const double sum = static_cast<double>(whole);
    const double mean = sum / static_cast<double>(pixels);
    for (int v = 0; v < 256; v++) {
      const double d = v - mean;
      squares[i][v] = d * d;
    }
    out[i][0] = static_cast<double>(pixels);
    out[i][1] = sum;
  }
  const uint8_t *a = data[0], *b = data[1], *c = data[2], *e = data[3];
  for (size_t k = 0; k < pixels; k++) {
    m2[0] += squares[0][a[k]];
    m2[1] += squares[1][b[k]];
    m2[2] += squares[2][c[k]];
    m2[3] += squares[3][e[k]];
  }
  for (int i = 0; i < 4; i++) out[i][2] = m2[i];
}
}  // namespace

void record_moments_many(const Image* const* images, int count, double* const* out) {
  int i = 0;
  while (i < count) {
    const Image& first = *images[i];
    const size_t pixels = static_cast<size_t>(first.width) * first.height;
    bool four = i + 4 <= count;
    for (int j = i; four && j < i + 4; j++)
      four = images[j]->depth == 8 && images[j]->channels == 1 && static_cast<size_t>(images[j]->width) * images[j]->height == pixels && pixels > 0;
    if (four) {
      const uint8_t* data[4] = {images[i]->data.data(), images[i + 1]->data.data(), images[i + 2]->data.data(), images[i + 3]->data.data()};
      Grey8MomentsX4(data, pixels, out + i);
      i += 4;
    } else {
      record_moments(*images[i], out[i]);
      i++;
    }
  }
}

void record_moments(const Image& image, double* out) {
  const size_t pixels = static_cast<size_t>(image.width) * image.height;
  if (image.depth == 16) MomentsOf(image.u16(), pixels, image.channels, out);
  else MomentsOf(image.data.data(), pixels, image.channels, out);
}

RecordResult decode_record(const uint8_t* bytes, size_t length, int channels, int height, int width, Image& image, const char*& format,
                           int& source_channels, std::string& error) {
  int orientation = 1;
  if (is_png(bytes, length)) {
    format = "png";
    if (!decode_png(bytes, length, image, error)) {
      error = "PNG: " + error;
      return RecordResult::damaged;
    }
  } else if (is_jpeg(bytes, length)) {
    format = "jpeg";
    if (!decode_jpeg(bytes, length, channels, image, error)) {
      if (error == "CMYK JPEG") return RecordResult::not_here;  // the general decoder converts CMYK
      error = "JPEG: " + error;
      return RecordResult::damaged;
    }
    orientation = jpeg_orientation(bytes, length);
  } else {
    return RecordResult::not_here;
  }
  source_channels = image.channels;
  apply_orientation(image, orientation);
  convert_channels(image, channels);
  resample_bilinear(image, height, width);
  return RecordResult::ok;
}
