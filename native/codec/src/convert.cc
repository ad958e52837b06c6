#include <cmath>

#include "image.h"

void convert_channels(Image& image, int channels) {
  if (channels == 0 || channels == image.channels) return;
  const size_t pixels = static_cast<size_t>(image.width) * image.height;
  const size_t bytes = image.depth / 8;
  std::vector<uint8_t> out(pixels * channels * bytes);
  if (image.channels == 1 && channels == 3) {
    for (size_t p = 0; p < pixels; p++)
      for (int k = 0; k < 3; k++)
        for (size_t b = 0; b < bytes; b++) out[(p * 3 + k) * bytes + b] = image.data[p * bytes + b];
  } else if (image.depth == 8) {
    const uint8_t* in = image.data.data();
    for (size_t p = 0; p < pixels; p++, in += 3) out[p] = static_cast<uint8_t>((in[0] * 19595 + in[1] * 38470 + in[2] * 7471 + 0x8000) >> 16);
  } else {
    const uint16_t* in = image.u16();
    uint16_t* o = reinterpret_cast<uint16_t*>(out.data());
    for (size_t p = 0; p < pixels; p++, in += 3) {
      const uint64_t v = (static_cast<uint64_t>(in[0]) * 19595 + static_cast<uint64_t>(in[1]) * 38470 + static_cast<uint64_t>(in[2]) * 7471 + 0x8000) >> 16;
      o[p] = static_cast<uint16_t>(v > 65535 ? 65535 : v);
    }
  }
  image.data = std::move(out);
  image.channels = channels;
}
