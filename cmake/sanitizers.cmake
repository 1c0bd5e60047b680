# Sanitizer and fuzzing builds. Both are OFF by default, so the normal build is
# unchanged. The flags travel on an INTERFACE target that netns_hook_lib links
# PUBLIC: everything built on the library (cli, hook, unit and privileged
# tests) is compiled and linked with the same sanitizers, while the stand-alone
# test tools (udp_echo is linked -static, which ASan cannot do) are left alone.
option(NETNS_HOOK_SANITIZE "Build with -fsanitize=address,undefined (g++ or clang++)" OFF)
option(NETNS_HOOK_FUZZ "Build the libFuzzer targets in tests/fuzz (clang++ only)" OFF)

add_library(netns_hook_sanitizers INTERFACE)
if(NETNS_HOOK_SANITIZE OR NETNS_HOOK_FUZZ)
  # No recovery: a UBSan report must fail the test or stop the fuzzer, not scroll by.
  set(NETNS_HOOK_SANITIZER_FLAGS -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)
  target_compile_options(netns_hook_sanitizers INTERFACE ${NETNS_HOOK_SANITIZER_FLAGS})
  target_link_options(netns_hook_sanitizers INTERFACE ${NETNS_HOOK_SANITIZER_FLAGS})
  # g++ 12 under ASan warns falsely about std::regex and std::function internals.
  target_compile_options(netns_hook_sanitizers INTERFACE $<$<CXX_COMPILER_ID:GNU>:-Wno-maybe-uninitialized>)
endif()
if(NETNS_HOOK_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "NETNS_HOOK_FUZZ needs clang++ (libFuzzer): configure with -DCMAKE_CXX_COMPILER=clang++")
  endif()
  # Coverage feedback for libFuzzer in the library too; the fuzzers link the runtime.
  target_compile_options(netns_hook_sanitizers INTERFACE -fsanitize=fuzzer-no-link)
endif()
