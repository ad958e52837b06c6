// PNG through libspng: grey stays grey (1-, 2- and 4-bit grey scaled to 0-255 by libspng), palette
// and colour become RGB, 16-bit stays 16-bit; alpha is dropped.
#include <spng.h>

#include <memory>

#include "image.h"

namespace {
struct CtxFree {
  void operator()(spng_ctx* ctx) const { spng_ctx_free(ctx); }
};

bool fail(std::string& error, int code) {
  error = spng_strerror(code);
  return false;
}
}  // namespace

bool decode_png(const uint8_t* bytes, size_t length, Image& out, std::string& error) {
  if (decode_png_plain(bytes, length, out)) return true;
  std::unique_ptr<spng_ctx, CtxFree> ctx(spng_ctx_new(0));
  if (!ctx) return fail(error, SPNG_EMEM);
  // Checksums of ancillary chunks are not the pixels' business; those of IDAT still fail the file.
  spng_set_crc_action(ctx.get(), SPNG_CRC_ERROR, SPNG_CRC_DISCARD);
  spng_set_image_limits(ctx.get(), 1 << 16, 1 << 16);
  spng_set_chunk_limits(ctx.get(), 64u << 20, 64u << 20);
  int r = spng_set_png_buffer(ctx.get(), bytes, length);
  if (r) return fail(error, r);
  spng_ihdr ihdr;
  if ((r = spng_get_ihdr(ctx.get(), &ihdr))) return fail(error, r);
  const bool grey = ihdr.color_type == SPNG_COLOR_TYPE_GRAYSCALE || ihdr.color_type == SPNG_COLOR_TYPE_GRAYSCALE_ALPHA;
  const bool sixteen = ihdr.bit_depth == 16;
  int fmt;
  int stride;  // samples per pixel in the decoded buffer
  // libspng converts to G8 only from grey of 8 bits or fewer (scaling 1-, 2- and 4-bit to 0-255),
  // and its GA8/GA16 are partial: grey with alpha and 8/16-bit grey are taken as stored.
  if (grey) {
    if (ihdr.color_type == SPNG_COLOR_TYPE_GRAYSCALE) {
      fmt = ihdr.bit_depth >= 8 ? SPNG_FMT_PNG : SPNG_FMT_G8;
      stride = 1;
    } else {
      fmt = SPNG_FMT_PNG;
      stride = 2;
    }
  } else if (sixteen) {
    fmt = SPNG_FMT_RGBA16;
    stride = 4;
  } else {
    fmt = SPNG_FMT_RGB8;
    stride = 3;
  }
  size_t size = 0;
  if ((r = spng_decoded_image_size(ctx.get(), fmt, &size))) return fail(error, r);
  std::vector<uint8_t> decoded(size);
  if ((r = spng_decode_image(ctx.get(), decoded.data(), size, fmt, 0))) return fail(error, r);
  out.width = static_cast<int>(ihdr.width);
  out.height = static_cast<int>(ihdr.height);
  out.channels = grey ? 1 : 3;
  out.depth = sixteen ? 16 : 8;
  if (stride == out.channels) {
    out.data = std::move(decoded);
    return true;
  }
  // Drop alpha (and GA's A): keep the first `channels` samples of each pixel.
  const size_t pixels = static_cast<size_t>(out.width) * out.height;
  const size_t bytes_per = sixteen ? 2 : 1;
  out.data.resize(pixels * out.channels * bytes_per);
  for (size_t p = 0; p < pixels; p++) {
    for (int c = 0; c < out.channels; c++) {
      for (size_t b = 0; b < bytes_per; b++) {
        out.data[(p * out.channels + c) * bytes_per + b] = decoded[(p * stride + c) * bytes_per + b];
      }
    }
  }
  return true;
}
