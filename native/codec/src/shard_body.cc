#include "shard_body.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace {
constexpr size_t kBuffer = 1 << 20;  // writes reach the file a megabyte at a time
const uint8_t kZeros[8] = {};

// Starts the disk's writeback of bytes just written (without waiting for it): the shard's fsync
// then finds them on their way instead of a whole shard (12 MB of 224x224 records) still in memory,
// and the last shard of an ingest, whose fsync nothing overlaps, is durable sooner. Where the file
// system cannot (an error), the fsync simply does all the work, as before.
void start_writeback(int fd, size_t from, size_t length) {
#if defined(__linux__)
  if (length > 0) sync_file_range(fd, static_cast<off_t>(from), static_cast<off_t>(length), SYNC_FILE_RANGE_WRITE);
#else
  (void)fd, (void)from, (void)length;
#endif
}
}  // namespace

// The buffer is as large as the body is expected to be, up to kBuffer: a job of a few small records
// does not map, fault in and zero a megabyte (a few hundred page faults on the decoding thread).
ShardBody::ShardBody(int fd, const std::string& magic, size_t expected) : fd_(fd), buffer_(std::clamp<size_t>(expected, 4096, kBuffer)) {
  SHA256_Init(&sha_);
  append(reinterpret_cast<const uint8_t*>(magic.data()), magic.size());
}

bool ShardBody::append(const uint8_t* data, size_t length) {
  SHA256_Update(&sha_, data, length);
  size_ += length;
  if (buffered_ + length > buffer_.size() && !flush()) return false;
  if (length >= buffer_.size()) {
    const size_t from = written_;
    for (size_t done = 0; done < length;) {
      const ssize_t n = pwrite(fd_, data + done, length - done, static_cast<off_t>(written_));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      done += static_cast<size_t>(n);
      written_ += static_cast<size_t>(n);
    }
    start_writeback(fd_, from, length);
    return true;
  }
  std::memcpy(buffer_.data() + buffered_, data, length);
  buffered_ += length;
  return true;
}

bool ShardBody::add(const uint8_t* data, size_t length, size_t& offset) {
  const size_t pad = (8 - size_ % 8) % 8;
  if (pad > 0 && !append(kZeros, pad)) return false;
  offset = size_;
  return append(data, length);
}

bool ShardBody::flush() {
  const size_t from = written_;
  for (size_t done = 0; done < buffered_;) {
    const ssize_t n = pwrite(fd_, buffer_.data() + done, buffered_ - done, static_cast<off_t>(written_));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
    written_ += static_cast<size_t>(n);
  }
  start_writeback(fd_, from, buffered_);
  buffered_ = 0;
  return true;
}

Napi::Value ShardDigest(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsBuffer() || !info[1].IsTypedArray()) throw Napi::TypeError::New(env, "shardDigest(state: Buffer, tail: Uint8Array)");
  Napi::Buffer<uint8_t> state = info[0].As<Napi::Buffer<uint8_t>>();
  if (state.Length() != sizeof(SHA256_CTX)) throw Napi::RangeError::New(env, "shardDigest: not a hash state from ingestFiles");
  SHA256_CTX sha;
  std::memcpy(&sha, state.Data(), sizeof sha);
  Napi::TypedArray tail = info[1].As<Napi::TypedArray>();
  SHA256_Update(&sha, static_cast<const uint8_t*>(tail.ArrayBuffer().Data()) + tail.ByteOffset(), tail.ByteLength());
  uint8_t digest[32];
  SHA256_Final(digest, &sha);
  static const char* hex = "0123456789abcdef";
  char text[64];
  for (int i = 0; i < 32; i++) {
    text[i * 2] = hex[digest[i] >> 4];
    text[i * 2 + 1] = hex[digest[i] & 15];
  }
  return Napi::String::New(env, text, 64);
}
