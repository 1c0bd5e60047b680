// The netns-hook.sysctl annotation: what is accepted and how keys map to
// /proc/sys paths (writing them is covered by tests/integration/hook_extras.sh).
#include <catch2/catch.hpp>

#include "lib/container/sysctl.hpp"
#include "lib/base/error.hpp"

TEST_CASE("sysctl annotations map net.* keys to /proc/sys paths", "[sysctl]") {
  auto s = nh::container::parse_sysctls("net.ipv4.tcp_keepalive_time=600, net.core.somaxconn=1024,net/ipv4/conf/eth0.100/rp_filter=2");
  REQUIRE(s.size() == 3);
  CHECK(s[0].path == "net/ipv4/tcp_keepalive_time");
  CHECK(s[0].value == "600");
  CHECK(s[1].key == "net.core.somaxconn");
  CHECK(s[2].path == "net/ipv4/conf/eth0.100/rp_filter");
  CHECK(nh::container::parse_sysctls("net.ipv4.tcp_rmem=4096 87380 6291456")[0].value == "4096 87380 6291456");
}

TEST_CASE("sysctl annotations refuse what is not a per-container network key", "[sysctl]") {
  using Catch::Contains;
  CHECK_THROWS_WITH(nh::container::parse_sysctls("kernel.shmmax=1"), Contains("only network sysctls"));
  CHECK_THROWS_WITH(nh::container::parse_sysctls("netfoo.x=1"), Contains("only network sysctls"));
  CHECK_THROWS_WITH(nh::container::parse_sysctls("net/../kernel/hostname=x"), Contains("not a sysctl name"));
  CHECK_THROWS_WITH(nh::container::parse_sysctls("net..core=1"), Contains("not a sysctl name"));
  CHECK_THROWS_WITH(nh::container::parse_sysctls("net.core.somaxconn"), Contains("expected KEY=VALUE"));
  CHECK_THROWS_WITH(nh::container::parse_sysctls("net.core.somaxconn="), Contains("1 to 256 characters"));
  CHECK_THROWS_WITH(nh::container::parse_sysctls("net.core.somaxconn=1\n"), Contains("printable ASCII"));
  CHECK_THROWS_WITH(nh::container::parse_sysctls("net.core.somaxconn=1,"), Contains("expected KEY=VALUE"));
  CHECK_THROWS_WITH(nh::container::parse_sysctls("net.core.so*=1"), Contains("not a sysctl name"));
  std::string many;
  for (int i = 0; i < 65; ++i) many += (i ? "," : "") + std::string("net.core.somaxconn=1");
  CHECK_THROWS_WITH(nh::container::parse_sysctls(many), Contains("more than 64"));
}
