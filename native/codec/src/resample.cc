// PIL's bilinear resampling (Pillow, src/libImaging/Resample.c), re-written from its description:
// per output pixel, a triangle filter centred on the source position, its support scaled by the
// downscale factor, weights normalised to 1. 8-bit uses 22-bit fixed-point weights as PIL does,
// so results are equal bit for bit.
#include <cmath>

#include "image.h"

namespace {
constexpr int kPrecision = 32 - 8 - 2;

struct Coefficients {
  int ksize = 0;
  std::vector<int> bounds;      // per output: first source index, count
  std::vector<double> weights;  // per output: ksize weights
};

Coefficients coefficients(int in_size, int out_size) {
  Coefficients c;
  const double scale = static_cast<double>(in_size) / out_size;
  const double filter_scale = scale < 1.0 ? 1.0 : scale;
  const double support = 1.0 * filter_scale;
  c.ksize = static_cast<int>(std::ceil(support)) * 2 + 1;
  c.bounds.resize(out_size * 2);
  c.weights.assign(static_cast<size_t>(out_size) * c.ksize, 0.0);
  for (int xx = 0; xx < out_size; xx++) {
    const double center = (xx + 0.5) * scale;
    const double ss = 1.0 / filter_scale;
    int xmin = static_cast<int>(center - support + 0.5);
    if (xmin < 0) xmin = 0;
    int xmax = static_cast<int>(center + support + 0.5);
    if (xmax > in_size) xmax = in_size;
    xmax -= xmin;
    double* k = &c.weights[static_cast<size_t>(xx) * c.ksize];
    double total = 0.0;
    for (int x = 0; x < xmax; x++) {
      double t = (x + xmin - center + 0.5) * ss;
      if (t < 0) t = -t;
      const double w = t < 1.0 ? 1.0 - t : 0.0;
      k[x] = w;
      total += w;
    }
    for (int x = 0; x < xmax; x++)
      if (total != 0.0) k[x] /= total;
    c.bounds[xx * 2] = xmin;
    c.bounds[xx * 2 + 1] = xmax;
  }
  return c;
}

std::vector<int> fixed_point(const std::vector<double>& weights) {
  std::vector<int> out(weights.size());
  for (size_t i = 0; i < weights.size(); i++) {
    const double w = weights[i] * (1 << kPrecision);
    out[i] = static_cast<int>(w < 0 ? -0.5 + w : 0.5 + w);
  }
  return out;
}

inline uint8_t clip8(int v) {
  if (v >= (1 << kPrecision << 8)) return 255;
  if (v <= 0) return 0;
  return static_cast<uint8_t>(v >> kPrecision);
}

inline uint16_t clip16(double v) {
  if (v <= 0) return 0;
  if (v >= 65535) return 65535;
  return static_cast<uint16_t>(v + 0.5);
}

// One pass along an axis. `horizontal`: rows stay, columns are resampled; else the reverse.
// Reads `in` (in_w x in_h x ch), writes `out` (out_w x out_h x ch).
template <typename T>
void pass(const T* in, int in_w, int in_h, T* out, int out_w, int out_h, int ch, bool horizontal, const Coefficients& c) {
  if constexpr (sizeof(T) == 1) {
    const std::vector<int> k = fixed_point(c.weights);
    if (horizontal) {
      for (int y = 0; y < out_h; y++)
        for (int x = 0; x < out_w; x++) {
          const int xmin = c.bounds[x * 2], xmax = c.bounds[x * 2 + 1];
          const int* kw = &k[static_cast<size_t>(x) * c.ksize];
          for (int ci = 0; ci < ch; ci++) {
            int ss = 1 << (kPrecision - 1);
            const T* row = in + (static_cast<size_t>(y) * in_w + xmin) * ch + ci;
            for (int i = 0; i < xmax; i++) ss += row[static_cast<size_t>(i) * ch] * kw[i];
            out[(static_cast<size_t>(y) * out_w + x) * ch + ci] = clip8(ss);
          }
        }
    } else {
      for (int y = 0; y < out_h; y++) {
        const int ymin = c.bounds[y * 2], ymax = c.bounds[y * 2 + 1];
        const int* kw = &k[static_cast<size_t>(y) * c.ksize];
        for (int x = 0; x < out_w * ch; x++) {
          int ss = 1 << (kPrecision - 1);
          for (int i = 0; i < ymax; i++) ss += in[(static_cast<size_t>(ymin + i) * in_w) * ch + x] * kw[i];
          out[static_cast<size_t>(y) * out_w * ch + x] = clip8(ss);
        }
      }
    }
  } else {
    if (horizontal) {
      for (int y = 0; y < out_h; y++)
        for (int x = 0; x < out_w; x++) {
          const int xmin = c.bounds[x * 2], xmax = c.bounds[x * 2 + 1];
          const double* kw = &c.weights[static_cast<size_t>(x) * c.ksize];
          for (int ci = 0; ci < ch; ci++) {
            double ss = 0;
            const T* row = in + (static_cast<size_t>(y) * in_w + xmin) * ch + ci;
            for (int i = 0; i < xmax; i++) ss += row[static_cast<size_t>(i) * ch] * kw[i];
            out[(static_cast<size_t>(y) * out_w + x) * ch + ci] = clip16(ss);
          }
        }
    } else {
      for (int y = 0; y < out_h; y++) {
        const int ymin = c.bounds[y * 2], ymax = c.bounds[y * 2 + 1];
        const double* kw = &c.weights[static_cast<size_t>(y) * c.ksize];
        for (int x = 0; x < out_w * ch; x++) {
          double ss = 0;
          for (int i = 0; i < ymax; i++) ss += in[(static_cast<size_t>(ymin + i) * in_w) * ch + x] * kw[i];
          out[static_cast<size_t>(y) * out_w * ch + x] = clip16(ss);
        }
      }
    }
  }
}

template <typename T>
void resample(Image& image, int height, int width) {
  const int ch = image.channels;
  std::vector<uint8_t> current = std::move(image.data);
  int w = image.width, h = image.height;
  if (width != w) {
    std::vector<uint8_t> next(static_cast<size_t>(width) * h * ch * sizeof(T));
    pass<T>(reinterpret_cast<const T*>(current.data()), w, h, reinterpret_cast<T*>(next.data()), width, h, ch, true, coefficients(w, width));
    current = std::move(next);
    w = width;
  }
  if (height != h) {
    std::vector<uint8_t> next(static_cast<size_t>(w) * height * ch * sizeof(T));
    pass<T>(reinterpret_cast<const T*>(current.data()), w, h, reinterpret_cast<T*>(next.data()), w, height, ch, false, coefficients(h, height));
    current = std::move(next);
    h = height;
  }
  image.data = std::move(current);
  image.width = w;
  image.height = h;
}
}  // namespace

void resample_bilinear(Image& image, int height, int width) {
  if (height <= 0 || width <= 0 || (height == image.height && width == image.width)) return;
  if (image.depth == 8) resample<uint8_t>(image, height, width);
  else resample<uint16_t>(image, height, width);
}
