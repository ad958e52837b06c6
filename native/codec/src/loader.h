// The loader's per-pixel kernels (loader.cc): exact twins of their JavaScript versions.
#pragma once
#include <cstddef>
#include <cstdint>

enum FillMode { kFillNearest = 0, kFillConstant = 1, kFillReflect = 2 };

// out[k] = table[bytes[k] * channels + k % channels] for k < n.
void lookup_u8(const uint8_t* bytes, size_t n, const float* table, int channels, float* out);

// transformImage's resampling (augment.ts) of one h x w x ch image through the inverse map
// m = [a, b, e, c, d, f]: output (x, y) samples the source at (a·x + b·y + e, c·x + d·y + f).
void affine_sample(const float* src, float* dst, int h, int w, int ch, const double m[6], int fill, double fill_value);
