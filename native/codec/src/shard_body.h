// The front of a shard (src/data/store/format.ts: "MPSHARD1", then the records, each at a multiple
// of 8 bytes, zeros between) written by ingestFiles straight into the shard's temporary file, with
// the SHA-256 of every byte taken as it is written, while the record is still in cache. JavaScript
// then appends the footer and finishes the hash from the saved state (shardDigest): the shard's
// name costs no second pass over its records, and no record is copied into a JavaScript buffer.
#pragma once
#define OPENSSL_SUPPRESS_DEPRECATED  // SHA256_CTX is the one hash state that can be handed over as bytes
#include <napi.h>
#include <openssl/sha.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

class ShardBody {
 public:
  // Starts the body in `fd` (written from offset 0) with the shard's magic (8 bytes, format.ts's);
  // `expected`: about how many bytes the body will have (the buffer's size, at most a megabyte).
  ShardBody(int fd, const std::string& magic, size_t expected);
  // Zeros up to the next multiple of 8, then the record; returns its offset. False (errno set) when
  // the file cannot be written.
  bool add(const uint8_t* data, size_t length, size_t& offset);
  // Writes what is buffered. False (errno set) on failure.
  bool flush();
  size_t size() const { return size_; }
  const SHA256_CTX& hash() const { return sha_; }

 private:
  bool append(const uint8_t* data, size_t length);
  int fd_;
  SHA256_CTX sha_;
  std::vector<uint8_t> buffer_;
  size_t buffered_ = 0;
  size_t size_ = 0;     // bytes of the body so far
  size_t written_ = 0;  // of which in the file
};

// shardDigest(state: Buffer, tail: Uint8Array) → hex SHA-256 of the body whose saved state is
// `state`, followed by `tail` (the footer and trailer).
Napi::Value ShardDigest(const Napi::CallbackInfo& info);
