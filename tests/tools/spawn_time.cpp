// Times one process the way a runtime runs a hook: spawned with a string on
// its stdin, waited for. Prints "<wall microseconds> <max RSS KiB> <exit status>".
// The benchmark uses it so that bash's own fork costs stay out of the figures.
//   spawn_time [--stdin TEXT] [--env K=V]... -- PROGRAM ARGS...
#include <fcntl.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

extern char** environ;

int main(int argc, char** argv) {
  std::string input;
  std::vector<std::string> env_extra;
  int i = 1;
  for (; i < argc && std::strcmp(argv[i], "--") != 0; ++i) {
    if (std::strcmp(argv[i], "--stdin") == 0 && i + 1 < argc) input = argv[++i];
    else if (std::strcmp(argv[i], "--env") == 0 && i + 1 < argc) env_extra.push_back(argv[++i]);
    else {
      std::fprintf(stderr, "usage: spawn_time [--stdin TEXT] [--env K=V]... -- PROGRAM ARGS...\n");
      return 2;
    }
  }
  if (i + 1 >= argc) return 2;
  std::vector<char*> envp;
  for (char** e = environ; *e; ++e) envp.push_back(*e);
  for (auto& e : env_extra) envp.push_back(e.data());
  envp.push_back(nullptr);

  int pipefd[2];
  if (pipe(pipefd) != 0) return 2;
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, pipefd[0], 0);
  posix_spawn_file_actions_addclose(&fa, pipefd[1]);
  posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);

  auto t0 = std::chrono::steady_clock::now();
  pid_t pid;
  if (posix_spawn(&pid, argv[i + 1], &fa, nullptr, argv + i + 1, envp.data()) != 0) {
    std::perror("posix_spawn");
    return 2;
  }
  close(pipefd[0]);
  if (!input.empty() && write(pipefd[1], input.data(), input.size()) < 0) { /* the child may not read */ }
  close(pipefd[1]);
  int status = 0;
  rusage ru{};
  wait4(pid, &status, 0, &ru);
  auto us = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - t0).count();
  std::printf("%lld %ld %d\n", static_cast<long long>(us), ru.ru_maxrss,
              WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
  return 0;
}
