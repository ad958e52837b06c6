// scanTree(root: string, threads: number) → Promise<{ paths: string, stats: BigInt64Array, sorted: boolean }>
// Every file under `root` with its stat, in one call off the main thread: the listing and the stat a
// cached rerun needs for 10^5 files (readdir and one fstatat(2) per entry, relative to the open folder,
// so no path is resolved from the root again), on `threads` threads taking folders from one queue.
// The rules are those of files-under.ts: names starting with '.' are skipped; symbolic links are
// followed (a link to a file is a file, a link to a folder is walked unless it leads back to a folder
// being walked; a broken link is skipped); a folder that vanishes while walking is skipped.
//   paths: the relative '/'-separated paths joined by '\0'; stats: 4 per path (size, mtime ns,
//   ctime ns, inode: statMany's numbers); sorted: the paths are in JavaScript's sort() order (false
//   when a name has a character outside the BMP, where UTF-8 byte order and UTF-16 order can differ).
// Rejects with { code, path } for any other error (EACCES, EMFILE, ...).
#include "scan_tree.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <condition_variable>
#include <cstdint>
#include <cstring>
#include <deque>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace {

using Ancestors = std::shared_ptr<const std::set<std::pair<dev_t, ino_t>>>;

struct Folder {
  std::string path;  // absolute
  std::string rel;   // '' for the root
  Ancestors walking;
};

struct Found {
  std::string rel;
  int64_t stat[4];
};

class ScanWorker : public Napi::AsyncWorker {
 public:
  ScanWorker(Napi::Env env, std::string root, int threads)
      : Napi::AsyncWorker(env), deferred_(Napi::Promise::Deferred::New(env)), root_(std::move(root)), threads_(std::max(1, std::min(threads, 16))) {}

  Napi::Promise Promise() { return deferred_.Promise(); }

 protected:
  void Execute() override {
    struct stat top;
    if (stat(root_.c_str(), &top) != 0 || !S_ISDIR(top.st_mode)) return;  // as files-under.ts: no folder, no files
    queue_.push_back({root_, "", std::make_shared<const std::set<std::pair<dev_t, ino_t>>>(std::set<std::pair<dev_t, ino_t>>{{top.st_dev, top.st_ino}})});
    std::vector<std::vector<Found>> found(threads_);
    std::vector<std::thread> pool;
    for (int t = 1; t < threads_; t++) pool.emplace_back([this, &found, t] { Work(found[t]); });
    Work(found[0]);
    for (auto& thread : pool) thread.join();
    if (!error_code_.empty()) return;
    size_t total = 0;
    for (auto& part : found) total += part.size();
    files_.reserve(total);
    for (auto& part : found)
      for (auto& f : part) files_.push_back(std::move(f));
    std::sort(files_.begin(), files_.end(), [](const Found& a, const Found& b) { return a.rel < b.rel; });
    for (const auto& f : files_)
      for (unsigned char c : f.rel)
        if (c >= 0xF0) sorted_ = false;
  }

  void OnOK() override {
    Napi::Env env = Env();
    if (!error_code_.empty()) {
      Napi::Error error = Napi::Error::New(env, error_code_ + ": " + error_path_);
      error.Set("code", Napi::String::New(env, error_code_));
      error.Set("path", Napi::String::New(env, error_path_));
      deferred_.Reject(error.Value());
      return;
    }
    std::string joined;
    size_t bytes = 0;
    for (const auto& f : files_) bytes += f.rel.size() + 1;
    joined.reserve(bytes);
    Napi::ArrayBuffer buffer = Napi::ArrayBuffer::New(env, files_.size() * 4 * sizeof(int64_t));
    int64_t* stats = static_cast<int64_t*>(buffer.Data());
    for (size_t i = 0; i < files_.size(); i++) {
      if (i > 0) joined.push_back('\0');
      joined += files_[i].rel;
      std::memcpy(stats + i * 4, files_[i].stat, sizeof(files_[i].stat));
    }
    napi_value array;
    if (napi_create_typedarray(env, napi_bigint64_array, files_.size() * 4, buffer, 0, &array) != napi_ok) {
      deferred_.Reject(Napi::Error::New(env, "scanTree: cannot create the result array").Value());
      return;
    }
    Napi::Object out = Napi::Object::New(env);
    out.Set("paths", Napi::String::New(env, joined));
    out.Set("stats", Napi::Value(env, array));
    out.Set("sorted", Napi::Boolean::New(env, sorted_));
    deferred_.Resolve(out);
  }

  void OnError(const Napi::Error& error) override { deferred_.Reject(error.Value()); }

 private:
  // Takes folders from the queue until it is empty and no thread is still listing one (which could add more).
  void Work(std::vector<Found>& out) {
    for (;;) {
      Folder folder;
      {
        std::unique_lock<std::mutex> lock(mutex_);
        ready_.wait(lock, [this] { return !queue_.empty() || busy_ == 0 || !error_code_.empty(); });
        if (queue_.empty() || !error_code_.empty()) {
          ready_.notify_all();
          return;
        }
        folder = std::move(queue_.front());
        queue_.pop_front();
        busy_++;
      }
      std::vector<Folder> more;
      List(folder, out, more);
      {
        std::lock_guard<std::mutex> lock(mutex_);
        for (auto& f : more) queue_.push_back(std::move(f));
        busy_--;
      }
      ready_.notify_all();
    }
  }

  void Fail(int code, const std::string& path) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!error_code_.empty()) return;
    const char* name = code == EACCES ? "EACCES" : code == EMFILE ? "EMFILE" : code == ENFILE ? "ENFILE" : code == EIO ? "EIO" : code == ELOOP ? "ELOOP" : "EFAULT";
    error_code_ = name;
    error_path_ = path;
  }

  void List(const Folder& folder, std::vector<Found>& out, std::vector<Folder>& more) {
    const int fd = open(folder.path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
      if (errno != ENOENT && errno != ENOTDIR) Fail(errno, folder.path);
      return;
    }
    DIR* dir = fdopendir(fd);
    if (!dir) {
      Fail(errno, folder.path);
      close(fd);
      return;
    }
    for (;;) {
      errno = 0;
      struct dirent* entry = readdir(dir);
      if (!entry) {
        if (errno != 0) Fail(errno, folder.path);
        break;
      }
      const char* name = entry->d_name;
      if (name[0] == '.') continue;  // also '.' and '..'
      struct stat s;
      if (fstatat(fd, name, &s, 0) != 0) {
        if (errno == ENOENT || errno == ENOTDIR || errno == ELOOP) continue;  // vanished, or a broken or looping link
        Fail(errno, folder.path + "/" + name);
        break;
      }
      std::string rel = folder.rel.empty() ? std::string(name) : folder.rel + "/" + name;
      if (S_ISREG(s.st_mode)) {
        out.push_back({std::move(rel),
                       {static_cast<int64_t>(s.st_size), static_cast<int64_t>(s.st_mtim.tv_sec) * 1000000000LL + s.st_mtim.tv_nsec,
                        static_cast<int64_t>(s.st_ctim.tv_sec) * 1000000000LL + s.st_ctim.tv_nsec, static_cast<int64_t>(s.st_ino)}});
      } else if (S_ISDIR(s.st_mode)) {
        const std::pair<dev_t, ino_t> id{s.st_dev, s.st_ino};
        if (folder.walking->count(id)) continue;  // a link back to a folder being walked
        auto walking = std::make_shared<std::set<std::pair<dev_t, ino_t>>>(*folder.walking);
        walking->insert(id);
        more.push_back({folder.path + "/" + name, std::move(rel), std::move(walking)});
      }
    }
    closedir(dir);
  }

  Napi::Promise::Deferred deferred_;
  std::string root_;
  int threads_;
  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<Folder> queue_;
  int busy_ = 0;
  std::string error_code_;
  std::string error_path_;
  std::vector<Found> files_;
  bool sorted_ = true;
};

}  // namespace

Napi::Value ScanTree(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsString() || !info[1].IsNumber()) throw Napi::TypeError::New(env, "scanTree(root: string, threads: number)");
  std::string root = info[0].As<Napi::String>().Utf8Value();
  if (root.find('\0') != std::string::npos) throw Napi::TypeError::New(env, "scanTree: the root has a NUL character");
  auto* worker = new ScanWorker(env, std::move(root), info[1].As<Napi::Number>().Int32Value());
  Napi::Promise promise = worker->Promise();
  worker->Queue();
  return promise;
}
