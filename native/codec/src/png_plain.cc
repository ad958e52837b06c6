// The common PNG — 8-bit grey or RGB, not interlaced, clean — decoded in one pass: the IDAT stream
// inflated whole by libdeflate, then unfiltered. libspng inflates one scanline per zlib call, which
// keeps zlib off its fast loop (it needs 258 bytes of room); on 224x224 grey that made inflating
// 2.4x slower than the whole-buffer decompressor, and it was 40% of ingest's CPU.
//
// The subset is checked, never assumed: every chunk's CRC, an IHDR libspng accepts, an optional
// pHYs that is valid as libspng checks it, consecutive IDATs, an empty IEND that ends the file, a
// zlib stream that fills the image exactly (Adler-32 checked), filter types 0-4. Anything else —
// other chunks, 16-bit, palettes, alpha, interlacing, any damage — is declined, and libspng decodes
// (or rejects) the file as before. So the pixels are libspng's: unfiltering is the PNG standard's
// arithmetic, with no choice in it.
#include <libdeflate.h>

#include <cstdlib>
#include <cstring>
#include <memory>
#include <vector>

#include "image.h"

namespace {
uint32_t be32(const uint8_t* p) { return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3]; }

struct DecompressorFree {
  void operator()(libdeflate_decompressor* d) const { libdeflate_free_decompressor(d); }
};

// One decompressor (about 10 KB of tables) per pool thread, made once.
libdeflate_decompressor* decompressor() {
  thread_local std::unique_ptr<libdeflate_decompressor, DecompressorFree> d(libdeflate_alloc_decompressor());
  return d.get();
}

// |p - a|, |p - b|, |p - c| for p = a + b - c, written as |b - c|, |a - c|, |a + b - 2c| (fewer
// dependent steps); the same choice, ties to a, then b.
inline int paeth(int a, int b, int c) {
  const int pa = std::abs(b - c);
  const int pb = std::abs(a - c);
  const int pc = std::abs(a + b - 2 * c);
  const int bc = pb <= pc ? b : c;
  return pa <= pb && pa <= pc ? a : bc;
}

// Undoes one scanline's filter from `in` (filtered, without its type byte) into `out`; `prev` is the
// previous unfiltered row or null for the first. False on an unknown filter type.
template <int bpp>
bool unfilter(int type, const uint8_t* in, const uint8_t* prev, uint8_t* out, size_t n) {
  switch (type) {
    case 0:
      std::memcpy(out, in, n);
      return true;
    case 1:
      for (size_t i = 0; i < n; i++) out[i] = static_cast<uint8_t>(in[i] + (i >= bpp ? out[i - bpp] : 0));
      return true;
    case 2:
      if (!prev) std::memcpy(out, in, n);
      else
        for (size_t i = 0; i < n; i++) out[i] = static_cast<uint8_t>(in[i] + prev[i]);
      return true;
    case 3:
      for (size_t i = 0; i < n; i++) {
        const int a = i >= bpp ? out[i - bpp] : 0;
        const int b = prev ? prev[i] : 0;
        out[i] = static_cast<uint8_t>(in[i] + ((a + b) >> 1));
      }
      return true;
    case 4:
      // The first row, and each row's first pixel, predict from what they have (paeth(a, 0, 0) is
      // a, paeth(0, b, 0) is b); the rest runs without a test a byte for missing neighbours.
      if (!prev) {
        for (size_t i = 0; i < n; i++) out[i] = static_cast<uint8_t>(in[i] + (i >= bpp ? out[i - bpp] : 0));
        return true;
      }
      for (size_t i = 0; i < bpp && i < n; i++) out[i] = static_cast<uint8_t>(in[i] + prev[i]);
      for (size_t i = bpp; i < n; i++) out[i] = static_cast<uint8_t>(in[i] + paeth(out[i - bpp], prev[i], prev[i - bpp]));
      return true;
    default:
      return false;
  }
}

template <int bpp>
bool unfilter_all(const uint8_t* filtered, size_t rows, size_t n, uint8_t* out) {
  for (size_t y = 0; y < rows; y++) {
    const uint8_t* line = filtered + y * (n + 1);
    if (!unfilter<bpp>(line[0], line + 1, y ? out + (y - 1) * n : nullptr, out + y * n, n)) return false;
  }
  return true;
}
}  // namespace

bool decode_png_plain(const uint8_t* bytes, size_t length, Image& out) {
  constexpr size_t kMaxFile = 64u << 20;  // libspng's chunk limit as png.cc sets it, and then some
  if (length < 8 + 25 + 12 || length > kMaxFile) return false;
  // IHDR first, 13 bytes.
  const uint8_t* p = bytes + 8;
  if (be32(p) != 13 || std::memcmp(p + 4, "IHDR", 4) != 0) return false;
  if (libdeflate_crc32(0, p + 4, 17) != be32(p + 21)) return false;
  const uint32_t width = be32(p + 8), height = be32(p + 12);
  const int depth = p[16], colour = p[17];
  if (width == 0 || height == 0 || width > 65536 || height > 65536) return false;
  if (depth != 8 || (colour != 0 && colour != 2) || p[18] != 0 || p[19] != 0 || p[20] != 0) return false;
  const int channels = colour == 2 ? 3 : 1;
  const size_t row = static_cast<size_t>(width) * channels;
  const size_t filtered_size = (row + 1) * height;
  if (filtered_size > (1u << 30)) return false;
  // Then pHYs at most once, the IDATs back to back, and IEND as the file's last 12 bytes.
  thread_local std::vector<uint8_t> joined;
  joined.clear();
  const uint8_t* idat = nullptr;
  size_t idat_size = 0;
  int idats = 0, chunks = 1;
  bool phys = false;
  size_t at = 8 + 25;
  for (;;) {
    if (at + 12 > length || ++chunks > 1000) return false;
    const uint32_t size = be32(bytes + at);
    if (size > length - at - 12) return false;
    const uint8_t* type = bytes + at + 4;
    const uint8_t* data = type + 4;
    if (libdeflate_crc32(0, type, size + 4) != be32(data + size)) return false;
    at += 12 + size;
    if (std::memcmp(type, "IDAT", 4) == 0) {
      if (idats++ == 0) {
        idat = data;
        idat_size = size;
      } else {
        if (idats == 2) joined.assign(idat, idat + idat_size);
        joined.insert(joined.end(), data, data + size);
      }
    } else if (idats > 0) {
      if (std::memcmp(type, "IEND", 4) != 0 || size != 0 || at != length) return false;
      break;
    } else if (std::memcmp(type, "pHYs", 4) == 0) {
      // libspng: once, 9 bytes, axes at most 2^31 - 1, unit 0 or 1.
      if (phys || size != 9 || be32(data) > 0x7fffffffu || be32(data + 4) > 0x7fffffffu || data[8] > 1) return false;
      phys = true;
    } else {
      return false;
    }
  }
  if (idats > 1) {
    idat = joined.data();
    idat_size = joined.size();
  }
  // libspng inflates with a 32 KiB window: a header asking for a smaller one is taken only when the
  // whole image fits in it (then no distance can reach past it); FDICT is declined.
  if (idat_size < 2 || (idat[1] & 0x20) != 0) return false;
  const int cinfo = idat[0] >> 4;
  if (cinfo != 7 && filtered_size > (size_t{1} << (cinfo + 8))) return false;
  thread_local std::vector<uint8_t> filtered;
  filtered.resize(filtered_size);
  size_t used_in = 0, used_out = 0;
  std::vector<uint8_t> pixels;
  const bool ok = libdeflate_zlib_decompress_ex(decompressor(), idat, idat_size, filtered.data(), filtered_size, &used_in, &used_out) == LIBDEFLATE_SUCCESS &&
                  used_in == idat_size && used_out == filtered_size && (pixels.resize(row * height), true) &&
                  (channels == 1 ? unfilter_all<1>(filtered.data(), height, row, pixels.data()) : unfilter_all<3>(filtered.data(), height, row, pixels.data()));
  // The thread's buffers stay for the next file, unless a large image grew them.
  constexpr size_t kKeep = 8u << 20;
  if (filtered.capacity() > kKeep) std::vector<uint8_t>().swap(filtered);
  if (joined.capacity() > kKeep) std::vector<uint8_t>().swap(joined);
  if (!ok) return false;
  out.width = static_cast<int>(width);
  out.height = static_cast<int>(height);
  out.channels = channels;
  out.depth = 8;
  out.data = std::move(pixels);
  return true;
}
