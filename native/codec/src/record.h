// The record ingest stores for one PNG or JPEG file: decoded, EXIF-oriented, channel-converted and
// resized (record.cc), and its per-channel moments. Shared by decode() and ingestFiles().
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

#include "image.h"

enum class RecordResult { ok, not_here, damaged };

// `not_here`: neither PNG nor JPEG, or a CMYK JPEG — the caller's general decoder takes the file.
// `damaged`: `error` says why, prefixed with the format ("PNG: ...").
RecordResult decode_record(const uint8_t* bytes, size_t length, int channels, int height, int width, Image& image, const char*& format,
                           int& source_channels, std::string& error);

// Per channel [n, sum, M2] of the image's samples into out[0 .. channels*3).
void record_moments(const Image& image, double* out);

// record_moments of several images at once, each into out[i]: the same numbers, bit for bit, but
// 8-bit grey images of one size run their M2 chains side by side (see record.cc).
void record_moments_many(const Image* const* images, int count, double* const* out);
