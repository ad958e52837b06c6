// ingestFiles(paths: string[], channels: 0 | 1 | 3, height, width) → Promise of, per path i:
//   status[i]  0 a record; 1 not decoded here (neither PNG nor JPEG, or CMYK): the file's bytes are
//              raw[i] for the general decoder; 2 unreadable (errno[i]); 3 damaged (messages[i])
//   hashes     32 bytes each: SHA-256 of the file's bytes (status 0, 1 and 3)
//   shapes     4 each: height, width, channels, bits per sample; formats: 1 PNG, 2 JPEG
//   offsets, lengths (Float64Array), crcs (Uint32Array): the record's bytes in `data` and their CRC-32
//   moments    9 each (Float64Array): per channel n, sum, M2 (record.h)
//   data       every record back to back, each starting at a multiple of 8 bytes
// ingestFiles(paths, channels, height, width, fd, magic) writes the records instead into `fd` as the front
// of a shard (shard_body.h): then `data` is empty, offsets are the records' offsets in the shard,
// `body` holds the SHA-256 state of those `bodyBytes` bytes for shardDigest, and a file of status 1
// gets no place in the shard (the caller redoes such a job without `fd`).
// Each file is read once, hashed while in memory and decoded, all on one of libuv's pool threads:
// no JavaScript object, promise or message per file, and no worker thread (or its start-up) needed.
// The caller decides the concurrency by how many calls it keeps in flight.
#include "ingest_files.h"

#include "shard_body.h"  // first: it sets how OpenSSL's header is read

#include <fcntl.h>
#include <libdeflate.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "record.h"

namespace {
// The whole file, or false with errno set.
bool read_file(const std::string& path, std::vector<uint8_t>& out) {
  out.clear();
  if (path.find('\0') != std::string::npos) {
    errno = ENOENT;
    return false;
  }
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  struct stat s;
  // Room for the whole file and one byte more, so the read that finds the end needs no growth
  // (growing by 64 KiB at first zero-filled twice the file on every read).
  size_t want = fstat(fd, &s) == 0 && s.st_size > 0 ? static_cast<size_t>(s.st_size) + 1 : 65536;
  size_t size = 0;
  for (;;) {
    if (size == out.size()) {
      if (size > 0) want = size * 2;
      out.resize(want);
    }
    const ssize_t got = read(fd, out.data() + size, out.size() - size);
    if (got < 0) {
      if (errno == EINTR) continue;
      const int saved = errno;
      close(fd);
      errno = saved;
      return false;
    }
    if (got == 0) break;
    size += static_cast<size_t>(got);
  }
  out.resize(size);
  close(fd);
  return true;
}

class IngestWorker : public Napi::AsyncWorker {
 public:
  IngestWorker(Napi::Env env, std::vector<std::string> paths, int channels, int height, int width, int fd, std::string magic)
      : Napi::AsyncWorker(env),
        deferred_(Napi::Promise::Deferred::New(env)),
        paths_(std::move(paths)),
        channels_(channels),
        height_(height),
        width_(width),
        fd_(fd),
        magic_(std::move(magic)) {
    const size_t n = paths_.size();
    status_.assign(n, 0);
    errno_.assign(n, 0);
    hashes_.assign(n * 32, 0);
    shapes_.assign(n * 4, 0);
    formats_.assign(n, 0);
    offsets_.assign(n, 0);
    lengths_.assign(n, 0);
    crcs_.assign(n, 0);
    moments_.assign(n * 9, 0);
    raw_.resize(n);
    messages_.resize(n);
    data_ = std::make_unique<std::vector<uint8_t>>();
  }

  Napi::Promise Promise() { return deferred_.Promise(); }

 protected:
  void Execute() override {
    std::vector<uint8_t> bytes;
    // 8-bit records of the asked size: the usual total, reserved once (no regrowth copies).
    const size_t per = static_cast<size_t>(height_) * width_ * (channels_ == 0 ? 3 : channels_);
    const size_t expected = magic_.size() + paths_.size() * ((per + 7) & ~static_cast<size_t>(7));
    if (fd_ >= 0) body_ = std::make_unique<ShardBody>(fd_, magic_, expected);
    if (!body_) data_->reserve(paths_.size() * ((per + 7) & ~static_cast<size_t>(7)));
    // Decoded images wait here, up to four, for their moments (computed side by side).
    std::vector<Image> waiting;
    std::vector<size_t> waiting_at;
    auto moments = [&]() {
      const Image* images[4];
      double* out[4];
      for (size_t k = 0; k < waiting.size(); k++) {
        images[k] = &waiting[k];
        out[k] = moments_.data() + waiting_at[k] * 9;
      }
      record_moments_many(images, static_cast<int>(waiting.size()), out);
      waiting.clear();
      waiting_at.clear();
    };
    for (size_t i = 0; i < paths_.size(); i++) {
      if (!read_file(paths_[i], bytes)) {
        status_[i] = 2;
        errno_[i] = errno;
        continue;
      }
      SHA256(bytes.data(), bytes.size(), hashes_.data() + i * 32);
      Image image;
      const char* format = "";
      int source_channels = 0;
      switch (decode_record(bytes.data(), bytes.size(), channels_, height_, width_, image, format, source_channels, messages_[i])) {
        case RecordResult::not_here:
          status_[i] = 1;
          raw_[i] = std::move(bytes);
          bytes = std::vector<uint8_t>();
          continue;
        case RecordResult::damaged:
          status_[i] = 3;
          continue;
        case RecordResult::ok:
          break;
      }
      size_t at;
      if (body_) {
        if (!body_->add(image.data.data(), image.data.size(), at)) return SetError(std::string("cannot write the shard: ") + std::strerror(errno));
      } else {
        std::vector<uint8_t>& data = *data_;
        at = (data.size() + 7) & ~static_cast<size_t>(7);
        data.resize(at + image.data.size());
        std::memcpy(data.data() + at, image.data.data(), image.data.size());
      }
      offsets_[i] = static_cast<double>(at);
      lengths_[i] = static_cast<double>(image.data.size());
      crcs_[i] = libdeflate_crc32(0, image.data.data(), image.data.size());
      int32_t* shape = shapes_.data() + i * 4;
      shape[0] = image.height;
      shape[1] = image.width;
      shape[2] = image.channels;
      shape[3] = image.depth;
      formats_[i] = std::strcmp(format, "png") == 0 ? 1 : 2;
      waiting.push_back(std::move(image));
      waiting_at.push_back(i);
      if (waiting.size() == 4) moments();
    }
    moments();
    if (body_ && !body_->flush()) SetError(std::string("cannot write the shard: ") + std::strerror(errno));
  }

  void OnOK() override {
    Napi::Env env = Env();
    Napi::Object out = Napi::Object::New(env);
    out.Set("status", Copy<Napi::Int32Array>(env, status_));
    out.Set("errno", Copy<Napi::Int32Array>(env, errno_));
    out.Set("hashes", Napi::Buffer<uint8_t>::Copy(env, hashes_.data(), hashes_.size()));
    out.Set("shapes", Copy<Napi::Int32Array>(env, shapes_));
    out.Set("formats", Copy<Napi::Uint8Array>(env, formats_));
    out.Set("offsets", Copy<Napi::Float64Array>(env, offsets_));
    out.Set("lengths", Copy<Napi::Float64Array>(env, lengths_));
    out.Set("crcs", Copy<Napi::Uint32Array>(env, crcs_));
    out.Set("moments", Copy<Napi::Float64Array>(env, moments_));
    if (body_) {
      out.Set("body", Napi::Buffer<uint8_t>::Copy(env, reinterpret_cast<const uint8_t*>(&body_->hash()), sizeof(SHA256_CTX)));
      out.Set("bodyBytes", static_cast<double>(body_->size()));
    }
    // The records are handed over without a copy: the Buffer owns the vector from here.
    if (data_->empty()) {
      out.Set("data", Napi::Buffer<uint8_t>::New(env, 0));
    } else {
      std::vector<uint8_t>* data = data_.release();
      out.Set("data", Napi::Buffer<uint8_t>::New(env, data->data(), data->size(), [](Napi::Env, uint8_t*, std::vector<uint8_t>* v) { delete v; }, data));
    }
    Napi::Array raw = Napi::Array::New(env, paths_.size());
    Napi::Array messages = Napi::Array::New(env, paths_.size());
    for (size_t i = 0; i < paths_.size(); i++) {
      if (status_[i] == 1) raw.Set(static_cast<uint32_t>(i), Napi::Buffer<uint8_t>::Copy(env, raw_[i].data(), raw_[i].size()));
      if (status_[i] == 3) messages.Set(static_cast<uint32_t>(i), messages_[i]);
    }
    out.Set("raw", raw);
    out.Set("messages", messages);
    deferred_.Resolve(out);
  }

  void OnError(const Napi::Error& error) override { deferred_.Reject(error.Value()); }

 private:
  template <typename Array, typename T>
  static Array Copy(Napi::Env env, const std::vector<T>& values) {
    Array array = Array::New(env, values.size());
    if (!values.empty()) std::memcpy(array.Data(), values.data(), values.size() * sizeof(T));
    return array;
  }

  Napi::Promise::Deferred deferred_;
  std::vector<std::string> paths_;
  const int channels_, height_, width_, fd_;
  const std::string magic_;
  std::unique_ptr<ShardBody> body_;
  std::vector<int32_t> status_, errno_, shapes_;
  std::vector<uint8_t> hashes_, formats_;
  std::vector<double> offsets_, lengths_, moments_;
  std::vector<uint32_t> crcs_;
  std::vector<std::vector<uint8_t>> raw_;
  std::vector<std::string> messages_;
  std::unique_ptr<std::vector<uint8_t>> data_;
};
}  // namespace

Napi::Value IngestFiles(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 4 || !info[0].IsArray()) throw Napi::TypeError::New(env, "ingestFiles(paths: string[], channels, height, width)");
  Napi::Array list = info[0].As<Napi::Array>();
  std::vector<std::string> paths(list.Length());
  for (uint32_t i = 0; i < list.Length(); i++) {
    Napi::Value value = list.Get(i);
    if (!value.IsString()) throw Napi::TypeError::New(env, "ingestFiles: every path must be a string");
    paths[i] = value.As<Napi::String>().Utf8Value();
  }
  const int fd = info.Length() >= 6 && info[4].IsNumber() && info[5].IsString() ? info[4].As<Napi::Number>().Int32Value() : -1;
  const std::string magic = fd >= 0 ? info[5].As<Napi::String>().Utf8Value() : "";
  if (fd >= 0 && magic.size() != 8) throw Napi::TypeError::New(env, "ingestFiles: the shard magic has 8 bytes");
  auto* worker = new IngestWorker(env, std::move(paths), info[1].As<Napi::Number>().Int32Value(), info[2].As<Napi::Number>().Int32Value(),
                                  info[3].As<Napi::Number>().Int32Value(), fd, magic);
  Napi::Promise promise = worker->Promise();
  worker->Queue();
  return promise;
}
