// The privileged tests make bridges, veths and firewall rules: only inside the
// namespaces tests/sandbox.sh makes (which also needs root), never on the
// machine's own network.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include <cstdio>
#include <cstdlib>
#include <cstring>

int main(int argc, char** argv) {
  const char* sandboxed = std::getenv("NH_IN_SANDBOX");
  if (!sandboxed || std::strcmp(sandboxed, "1") != 0) {
    std::fprintf(stderr, "privileged_tests: run me through tests/sandbox.sh (it changes links and firewall rules)\n");
    return 2;
  }
  return Catch::Session().run(argc, argv);
}
