// The pool's port index: published ports, conflicts and their release.
#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "pool_fixtures.hpp"

using namespace pool_test;

namespace {
// The ports container `id` publishes, as its record says.
std::vector<nh::addr::PortMapping> ports_of(nh::ipam::Pool& pool, const std::string& id, const std::string& holder = "") {
  auto s = pool.find(holder.empty() ? id : holder);
  if (!s) return {};
  const auto* m = s->member(id);
  return m ? m->ports : std::vector<nh::addr::PortMapping>{};
}
std::vector<nh::addr::PortMapping> ports_in(const nh::ipam::Claim& c, const std::string& id) {
  const auto* m = c.sandbox.member(id);
  return m ? m->ports : std::vector<nh::addr::PortMapping>{};
}
}  // namespace

TEST_CASE("published ports are recorded with the container and survive reopening", "[ipam][ports]") {
  nh_test::TempDir dir;
  const auto published = ports("8080:80, 127.0.0.1:53:53/udp");
  {
    auto pool = nh::ipam::Pool::open(dir.path());
    auto c = pool.claim(publishing(request("web"), "8080:80, 127.0.0.1:53:53/udp"));
    REQUIRE(c.kind == ClaimKind::kAllocated);
    CHECK(ports_in(c, "web") == published);
    CHECK(c.sandbox.member("web")->ports_network == "default");
    CHECK(ports_of(pool, "web") == published);
    pool.activate(c);
    CHECK(port_index(dir) == std::set<std::string>{"tcp-8080", "udp-53"});
  }
  auto pool = nh::ipam::Pool::open(dir.path());
  CHECK(ports_of(pool, "web") == published);
  CHECK(pool.claim(publishing(request("web"), "8080:80")).kind == ClaimKind::kExisting);
  CHECK_THROWS_WITH(pool.claim(publishing(request("db"), "8080:5432")),
                    Catch::Contains("publish 8080:5432/tcp") &&
                        Catch::Contains("host port 8080/tcp is already published by container web"));
  CHECK_THROWS_WITH(pool.claim(publishing(request("dns"), "53:53/udp")),
                    Catch::Contains("host port 53/udp on 127.0.0.1 is already published by container web"));
}

TEST_CASE("a port another container publishes is refused, leaving no trace", "[ipam][ports]") {
  const std::pair<const char*, const char*> clashes[] = {
      {"8080:80", "8080:81"},                       // same protocol and port
      {"8080:80", "127.0.0.1:8080:80"},             // all addresses vs one
      {"0.0.0.0:8080:80", "127.0.0.1:8080:80"},
      {"127.0.0.1:8080:80", "8080:80"},             // one address vs all
      {"127.0.0.1:8080:80", "127.0.0.1:8080:81"},   // the same address
      {"53:53/udp", "9000:90, 53:53/udp"},          // one clash among others refuses all
      {"7000-7010:7000-7010/sctp", "7005:1/sctp"},  // inside a published range
  };
  for (const auto& [first, second] : clashes) {
    INFO(first << " then " << second);
    nh_test::TempDir dir;
    auto pool = nh::ipam::Pool::open(dir.path());
    pool.claim(publishing(request("a"), first));
    const auto index = port_index(dir);
    CHECK_THROWS_WITH(pool.claim(publishing(request("b"), second)),
                      Catch::Contains("already published by container a"));
    CHECK_FALSE(pool.find("b").has_value());
    CHECK_FALSE(std::filesystem::exists(dir / "containers/b"));
    CHECK(pool.list().size() == 1);
    CHECK(port_index(dir) == index);
    CHECK(ports_of(pool, "a") == ports(first));
    // No address was used up by the refusal.
    CHECK(address(pool.claim(request("c"))) == "172.19.0.3");
    // Once a is gone, b may publish everything it asked for.
    release(pool, "a");
    auto b = pool.claim(publishing(request("b"), second));
    CHECK(ports_in(b, "b") == ports(second));
  }
}

TEST_CASE("another protocol or another host address is not a clash", "[ipam][ports]") {
  const std::pair<const char*, const char*> fine[] = {
      {"8080:80", "8080:80/udp"},
      {"53:53/udp", "53:53/sctp"},
      {"127.0.0.1:8080:80", "127.0.0.2:8080:80"},
      {"8080:80", "8081:80"},
  };
  for (const auto& [first, second] : fine) {
    INFO(first << " then " << second);
    nh_test::TempDir dir;
    auto pool = nh::ipam::Pool::open(dir.path());
    CHECK(ports_in(pool.claim(publishing(request("a"), first)), "a") == ports(first));
    CHECK(ports_in(pool.claim(publishing(request("b"), second)), "b") == ports(second));
  }
}

TEST_CASE("two holders of one port on different addresses are freed one by one", "[ipam][ports]") {
  nh_test::TempDir dir;
  auto pool = nh::ipam::Pool::open(dir.path());
  pool.claim(publishing(request("a"), "127.0.0.1:8080:80"));
  pool.claim(publishing(request("b"), "127.0.0.2:8080:80"));
  CHECK(port_index(dir) == std::set<std::string>{"tcp-8080"});
  release(pool, "a");
  CHECK(pool.claim(publishing(request("c"), "127.0.0.1:8080:80")).kind == ClaimKind::kAllocated);
  CHECK_THROWS_WITH(pool.claim(publishing(request("d"), "127.0.0.2:8080:80")),
                    Catch::Contains("already published by container b"));
  CHECK_THROWS_WITH(pool.claim(publishing(request("e"), "8080:80")),
                    Catch::Contains("already published by container"));
  release(pool, "b");
  release(pool, "c");
  CHECK(port_index(dir).empty());
}

TEST_CASE("drop() frees the publisher's ports at once", "[ipam][ports]") {
  nh_test::TempDir dir;
  auto pool = nh::ipam::Pool::open(dir.path());
  pool.claim(publishing(request("a"), "8080:80, 9000-9001:9000-9001/udp"));
  REQUIRE_THROWS_AS(pool.claim(publishing(request("b"), "9001:1/udp")), nh::base::Error);
  auto d = pool.drop("a");
  REQUIRE(d.kind == DropKind::kRelease);
  CHECK(d.sandbox.members.empty());
  CHECK(port_index(dir).empty());
  // Before forget(): the address is still taken, the ports no longer are.
  auto b = pool.claim(publishing(request("b"), "8080:80, 9001:1/udp"));
  CHECK(b.kind == ClaimKind::kAllocated);
  CHECK(address(b) != d.release.at(0).addresses.at(0).cidr.address().str());
  finish(pool, d, "a");
  CHECK(ports_of(pool, "b") == ports("8080:80, 9001:1/udp"));
}

TEST_CASE("undo_claim frees the ports of an allocation", "[ipam][ports]") {
  nh_test::TempDir dir;
  auto pool = nh::ipam::Pool::open(dir.path());
  auto c = pool.claim(publishing(request("a"), "8080:80, 127.0.0.1:53:53/udp"));
  pool.undo_claim(c, "a");
  CHECK(port_index(dir).empty());
  CHECK(pool.claim(publishing(request("b"), "8080:80, 53:53/udp")).kind == ClaimKind::kAllocated);
}

TEST_CASE("a container joining a live namespace publishes ports of its own", "[ipam][ports]") {
  nh_test::TempDir dir;
  auto pool = nh::ipam::Pool::open(dir.path());
  auto a = pool.claim(publishing(live("pod-a"), "8080:80"));
  pool.activate(a);
  REQUIRE(a.kind == ClaimKind::kAllocated);
  auto b = pool.claim(publishing(live("pod-b"), "9090:90/udp"));
  REQUIRE(b.kind == ClaimKind::kJoined);
  CHECK(ports_in(b, "pod-a") == ports("8080:80"));
  CHECK(ports_in(b, "pod-b") == ports("9090:90/udp"));
  CHECK(b.sandbox.member("pod-b")->ports_network == "default");
  CHECK(ports_of(pool, "pod-b", "pod-a") == ports("9090:90/udp"));
  CHECK_THROWS_WITH(pool.claim(publishing(request("c"), "9090:1/udp")),
                    Catch::Contains("already published by container pod-b"));
  CHECK_THROWS_WITH(pool.claim(publishing(request("c"), "8080:1")),
                    Catch::Contains("already published by container pod-a"));

  SECTION("a joiner cannot take a port its namespace-mate publishes") {
    CHECK_THROWS_WITH(pool.claim(publishing(live("pod-c"), "8080:81")),
                      Catch::Contains("already published by container pod-a"));
    CHECK_FALSE(pool.find("pod-c").has_value());
    CHECK(members(*pool.find("pod-a")) == std::vector<std::string>{"pod-a", "pod-b"});
  }
  SECTION("dropping the joiner frees its ports only") {
    auto d = pool.drop("pod-b");
    REQUIRE(d.kind == DropKind::kStillShared);
    CHECK(d.sandbox.member("pod-b") == nullptr);
    CHECK(d.sandbox.member("pod-a")->ports == ports("8080:80"));
    CHECK(ports_of(pool, "pod-a") == ports("8080:80"));
    CHECK(pool.claim(publishing(request("c"), "9090:1/udp")).kind == ClaimKind::kAllocated);
    CHECK_THROWS_WITH(pool.claim(publishing(request("d"), "8080:1")),
                      Catch::Contains("already published by container pod-a"));
  }
  SECTION("undoing the join frees its ports only") {
    pool.undo_claim(b, "pod-b");
    CHECK(ports_of(pool, "pod-b", "pod-a").empty());
    CHECK(ports_of(pool, "pod-a") == ports("8080:80"));
    CHECK(pool.claim(publishing(request("c"), "9090:1/udp")).kind == ClaimKind::kAllocated);
  }
  SECTION("dropping the first container keeps the joiner's ports") {
    REQUIRE(pool.drop("pod-a").kind == DropKind::kStillShared);
    CHECK(ports_of(pool, "pod-b") == ports("9090:90/udp"));
    CHECK(ports_of(pool, "pod-a", "pod-b").empty());
    CHECK(pool.claim(publishing(request("c"), "8080:1")).kind == ClaimKind::kAllocated);
  }
}

TEST_CASE("a port index entry whose container has no record does not hold the port", "[ipam][ports]") {
  nh_test::TempDir dir;
  auto pool = nh::ipam::Pool::open(dir.path());
  // What a run killed between writing the index and the record leaves behind.
  dir.write("ports/tcp-8080", R"([{"host": "", "id": "ghost"}])");
  auto c = pool.claim(publishing(request("a"), "8080:80"));
  CHECK(c.kind == ClaimKind::kAllocated);
  CHECK(ports_of(pool, "a").size() == 1);
}
