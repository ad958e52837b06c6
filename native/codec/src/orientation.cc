// EXIF orientation of a JPEG (APP1 "Exif" → TIFF IFD0 tag 0x0112), applied as sharp's rotate()
// and a camera would: after it the image is upright.
#include <cstring>

#include "image.h"

namespace {
uint32_t read(const uint8_t* p, int bytes, bool little) {
  uint32_t v = 0;
  for (int i = 0; i < bytes; i++) v |= static_cast<uint32_t>(p[little ? i : bytes - 1 - i]) << (8 * i);
  return v;
}

int tiff_orientation(const uint8_t* tiff, size_t length) {
  if (length < 8) return 1;
  bool little;
  if (tiff[0] == 'I' && tiff[1] == 'I') little = true;
  else if (tiff[0] == 'M' && tiff[1] == 'M') little = false;
  else return 1;
  const uint32_t ifd = read(tiff + 4, 4, little);
  if (ifd + 2 > length) return 1;
  const uint32_t entries = read(tiff + ifd, 2, little);
  for (uint32_t i = 0; i < entries; i++) {
    const size_t at = ifd + 2 + static_cast<size_t>(i) * 12;
    if (at + 12 > length) return 1;
    if (read(tiff + at, 2, little) == 0x0112) {
      const uint32_t value = read(tiff + at + 8, 2, little);
      return value >= 1 && value <= 8 ? static_cast<int>(value) : 1;
    }
  }
  return 1;
}
}  // namespace

int jpeg_orientation(const uint8_t* bytes, size_t length) {
  size_t at = 2;  // after SOI
  while (at + 4 <= length && bytes[at] == 0xFF) {
    const uint8_t marker = bytes[at + 1];
    if (marker == 0xDA || marker == 0xD9) break;  // start of scan / end of image: no EXIF before it
    const size_t size = (static_cast<size_t>(bytes[at + 2]) << 8) | bytes[at + 3];
    if (marker == 0xE1 && size >= 8 && at + 2 + size <= length && std::memcmp(bytes + at + 4, "Exif\0\0", 6) == 0) {
      return tiff_orientation(bytes + at + 10, size - 8);
    }
    at += 2 + size;
  }
  return 1;
}

void apply_orientation(Image& image, int orientation) {
  if (orientation <= 1 || orientation > 8) return;
  const int w = image.width, h = image.height, c = image.channels;
  const int bytes = image.depth / 8;
  const bool swap = orientation >= 5;  // 5-8 transpose the axes
  const int ow = swap ? h : w, oh = swap ? w : h;
  std::vector<uint8_t> out(image.data.size());
  const size_t pixel = static_cast<size_t>(c) * bytes;
  for (int y = 0; y < oh; y++) {
    for (int x = 0; x < ow; x++) {
      int sx, sy;  // the source pixel shown at (x, y) of the upright image
      switch (orientation) {
        case 2: sx = w - 1 - x; sy = y; break;
        case 3: sx = w - 1 - x; sy = h - 1 - y; break;
        case 4: sx = x; sy = h - 1 - y; break;
        case 5: sx = y; sy = x; break;
        case 6: sx = y; sy = h - 1 - x; break;
        case 7: sx = w - 1 - y; sy = h - 1 - x; break;
        default: sx = w - 1 - y; sy = x; break;  // 8
      }
      std::memcpy(out.data() + (static_cast<size_t>(y) * ow + x) * pixel, image.data.data() + (static_cast<size_t>(sy) * w + sx) * pixel, pixel);
    }
  }
  image.data = std::move(out);
  image.width = ow;
  image.height = oh;
}
