// spawnCapture(file, args, cwd, timeoutMs) → Promise<{ status, stdout }>: runs a command with
// posix_spawnp and collects its standard output on a thread of its own. Node's child_process forks
// the whole process on the main thread first: 10 ms for a 150 MB process on an idle machine, 40 ms
// under load, paid by every run for its `git status`. glibc's posix_spawn starts the child without
// copying the parent's page tables (CLONE_VFORK), so this thread waits a fraction of a millisecond.
// status: the exit code, or -1 when the command could not start, was killed by a signal or ran past
// the timeout (then it is killed). stderr goes to /dev/null, stdin reads /dev/null.
#include "spawn_capture.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

extern char** environ;

namespace {
struct Pending {
  Napi::Promise::Deferred deferred;
  int status = -1;
  std::string out;
};

double now_ms() {
  timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

// Runs the command to its end (or the deadline) and returns its exit status; fills `out`.
int run(const std::string& file, const std::vector<std::string>& args, const std::string& cwd, double timeout_ms, std::string& out) {
  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC) != 0) return -1;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], 1);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  if (!cwd.empty()) posix_spawn_file_actions_addchdir_np(&actions, cwd.c_str());
  std::vector<char*> argv;
  argv.push_back(const_cast<char*>(file.c_str()));
  for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  pid_t pid = -1;
  const int spawned = posix_spawnp(&pid, file.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(pipe_fds[1]);
  if (spawned != 0) {
    close(pipe_fds[0]);
    return -1;
  }
  const double deadline = now_ms() + timeout_ms;
  bool timed_out = false;
  char buffer[65536];
  for (;;) {
    const double left = deadline - now_ms();
    if (left <= 0) {
      timed_out = true;
      break;
    }
    pollfd p{pipe_fds[0], POLLIN, 0};
    const int ready = poll(&p, 1, static_cast<int>(left) + 1);
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) continue;  // the deadline is checked above
    const ssize_t n = read(pipe_fds[0], buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // end of output (or an error reading it)
    out.append(buffer, static_cast<size_t>(n));
  }
  close(pipe_fds[0]);
  if (timed_out) kill(pid, SIGKILL);
  int wstatus = 0;
  while (waitpid(pid, &wstatus, 0) < 0 && errno == EINTR) {
  }
  if (timed_out || !WIFEXITED(wstatus)) return -1;
  return WEXITSTATUS(wstatus);
}
}  // namespace

Napi::Value SpawnCapture(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 4 || !info[0].IsString() || !info[1].IsArray() || !info[2].IsString() || !info[3].IsNumber()) {
    Napi::TypeError::New(env, "spawnCapture(file, args, cwd, timeoutMs)").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  std::string file = info[0].As<Napi::String>().Utf8Value();
  Napi::Array list = info[1].As<Napi::Array>();
  std::vector<std::string> args;
  for (uint32_t i = 0; i < list.Length(); i++) args.push_back(list.Get(i).ToString().Utf8Value());
  std::string cwd = info[2].As<Napi::String>().Utf8Value();
  const double timeout_ms = info[3].As<Napi::Number>().DoubleValue();
  auto* pending = new Pending{Napi::Promise::Deferred::New(env)};
  Napi::Promise promise = pending->deferred.Promise();
  auto done = Napi::ThreadSafeFunction::New(env, Napi::Function::New(env, [](const Napi::CallbackInfo&) {}), "spawnCapture", 0, 1);
  auto report = [](Napi::Env env, Pending* p) {
    Napi::Object result = Napi::Object::New(env);
    result.Set("status", p->status);
    result.Set("stdout", Napi::String::New(env, p->out));
    p->deferred.Resolve(result);
    delete p;
  };
  try {
    std::thread([done, pending, report, file = std::move(file), args = std::move(args), cwd = std::move(cwd), timeout_ms]() mutable {
      pending->status = run(file, args, cwd, timeout_ms, pending->out);
      done.BlockingCall([pending, report](Napi::Env env, Napi::Function) { report(env, pending); });
      done.Release();
    }).detach();
  } catch (const std::system_error&) {
    done.Release();
    pending->status = -1;  // no thread to be had: as a command that could not start
    report(env, pending);
  }
  return promise;
}
