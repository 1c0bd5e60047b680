// The pool's port index: published ports, conflicts and their release.
#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "lib/config.hpp"
#include "lib/error.hpp"
#include "lib/ipam.hpp"
#include "lib/ports.hpp"
#include "common/temp_dir.hpp"

using nh::ClaimKind;
using nh::DropKind;

#include "pool_fixtures.hpp"

using namespace pool_test;

TEST_CASE("published ports are recorded in the lease and survive reopening", "[ipam][ports]") {
  nh_test::TempDir dir;
  const auto published = ports("8080:80, 127.0.0.1:53:53/udp");
  {
    auto pool = nh::Pool::open(dir.path());
    auto c = pool.claim(network(), publishing(request("web"), "8080:80, 127.0.0.1:53:53/udp"));
    REQUIRE(c.kind == ClaimKind::kAllocated);
    CHECK(c.lease.ports_of("web") == published);
    CHECK(c.lease.ports_of("db").empty());
    REQUIRE(pool.find("web").has_value());
    CHECK(pool.find("web")->ports_of("web") == published);
    CHECK(port_index(dir) == std::set<std::string>{"tcp-8080", "udp-53"});
  }
  auto pool = nh::Pool::open(dir.path());
  REQUIRE(pool.find("web").has_value());
  CHECK(pool.find("web")->ports_of("web") == published);
  CHECK(pool.claim(network(), publishing(request("web"), "8080:80")).kind == ClaimKind::kExisting);
  CHECK_THROWS_WITH(pool.claim(network(), publishing(request("db"), "8080:5432")),
                    Catch::Contains("publish 8080:5432/tcp") &&
                        Catch::Contains("host port 8080/tcp is already published by container web"));
  CHECK_THROWS_WITH(pool.claim(network(), publishing(request("dns"), "53:53/udp")),
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
    auto pool = nh::Pool::open(dir.path());
    pool.claim(network(), publishing(request("a"), first));
    const auto index = port_index(dir);
    CHECK_THROWS_WITH(pool.claim(network(), publishing(request("b"), second)),
                      Catch::Contains("already published by container a"));
    CHECK_FALSE(pool.find("b").has_value());
    CHECK_FALSE(std::filesystem::exists(dir / "ids/b"));
    CHECK(pool.list().size() == 1);
    CHECK(port_index(dir) == index);
    CHECK(pool.find("a")->ports_of("a") == ports(first));
    // No address was used up by the refusal.
    CHECK(pool.claim(network(), request("c")).lease.address.str() == "172.19.0.3");
    // Once a is gone, b may publish everything it asked for.
    release(pool, "a");
    auto b = pool.claim(network(), publishing(request("b"), second));
    CHECK(b.lease.ports_of("b") == ports(second));
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
    auto pool = nh::Pool::open(dir.path());
    CHECK(pool.claim(network(), publishing(request("a"), first)).lease.ports_of("a") == ports(first));
    CHECK(pool.claim(network(), publishing(request("b"), second)).lease.ports_of("b") == ports(second));
  }
}

TEST_CASE("two holders of one port on different addresses are freed one by one", "[ipam][ports]") {
  nh_test::TempDir dir;
  auto pool = nh::Pool::open(dir.path());
  pool.claim(network(), publishing(request("a"), "127.0.0.1:8080:80"));
  pool.claim(network(), publishing(request("b"), "127.0.0.2:8080:80"));
  CHECK(port_index(dir) == std::set<std::string>{"tcp-8080"});
  release(pool, "a");
  CHECK(pool.claim(network(), publishing(request("c"), "127.0.0.1:8080:80")).kind == ClaimKind::kAllocated);
  CHECK_THROWS_WITH(pool.claim(network(), publishing(request("d"), "127.0.0.2:8080:80")),
                    Catch::Contains("already published by container b"));
  CHECK_THROWS_WITH(pool.claim(network(), publishing(request("e"), "8080:80")),
                    Catch::Contains("already published by container"));
  release(pool, "b");
  release(pool, "c");
  CHECK(port_index(dir).empty());
}

TEST_CASE("drop() frees the publisher's ports at once", "[ipam][ports]") {
  nh_test::TempDir dir;
  auto pool = nh::Pool::open(dir.path());
  pool.claim(network(), publishing(request("a"), "8080:80, 9000-9001:9000-9001/udp"));
  REQUIRE_THROWS_AS(pool.claim(network(), publishing(request("b"), "9001:1/udp")), nh::Error);
  auto d = pool.drop("a");
  REQUIRE(d.kind == DropKind::kLast);
  CHECK(d.lease.ports.empty());
  CHECK(port_index(dir).empty());
  // Before forget(): the address is still taken, the ports no longer are.
  auto b = pool.claim(network(), publishing(request("b"), "8080:80, 9001:1/udp"));
  CHECK(b.kind == ClaimKind::kAllocated);
  CHECK(b.lease.address != d.lease.address);
  pool.forget(d.lease, "a");
  CHECK(pool.find("b")->ports_of("b") == ports("8080:80, 9001:1/udp"));
}

TEST_CASE("undo_claim frees the ports of an allocation", "[ipam][ports]") {
  nh_test::TempDir dir;
  auto pool = nh::Pool::open(dir.path());
  auto c = pool.claim(network(), publishing(request("a"), "8080:80, 127.0.0.1:53:53/udp"));
  pool.undo_claim(c, "a");
  CHECK(port_index(dir).empty());
  CHECK(pool.claim(network(), publishing(request("b"), "8080:80, 53:53/udp")).kind == ClaimKind::kAllocated);
}

TEST_CASE("a container joining a live namespace publishes ports of its own", "[ipam][ports]") {
  nh_test::TempDir dir;
  auto pool = nh::Pool::open(dir.path());
  auto a = pool.claim(network(), publishing(live("pod-a"), "8080:80"));
  pool.activate(a.lease);
  REQUIRE(a.kind == ClaimKind::kAllocated);
  auto b = pool.claim(network(), publishing(live("pod-b"), "9090:90/udp"));
  REQUIRE(b.kind == ClaimKind::kJoined);
  CHECK(b.lease.ports_of("pod-a") == ports("8080:80"));
  CHECK(b.lease.ports_of("pod-b") == ports("9090:90/udp"));
  CHECK(pool.find("pod-a")->ports_of("pod-b") == ports("9090:90/udp"));
  CHECK_THROWS_WITH(pool.claim(network(), publishing(request("c"), "9090:1/udp")),
                    Catch::Contains("already published by container pod-b"));
  CHECK_THROWS_WITH(pool.claim(network(), publishing(request("c"), "8080:1")),
                    Catch::Contains("already published by container pod-a"));

  SECTION("a joiner cannot take a port its namespace-mate publishes") {
    CHECK_THROWS_WITH(pool.claim(network(), publishing(live("pod-c"), "8080:81")),
                      Catch::Contains("already published by container pod-a"));
    CHECK_FALSE(pool.find("pod-c").has_value());
    CHECK(pool.find("pod-a")->containers == std::vector<std::string>{"pod-a", "pod-b"});
  }
  SECTION("dropping the joiner frees its ports only") {
    auto d = pool.drop("pod-b");
    REQUIRE(d.kind == DropKind::kStillShared);
    CHECK(d.lease.ports_of("pod-b").empty());
    CHECK(d.lease.ports_of("pod-a") == ports("8080:80"));
    CHECK(pool.find("pod-a")->ports_of("pod-a") == ports("8080:80"));
    CHECK(pool.claim(network(), publishing(request("c"), "9090:1/udp")).kind == ClaimKind::kAllocated);
    CHECK_THROWS_WITH(pool.claim(network(), publishing(request("d"), "8080:1")),
                      Catch::Contains("already published by container pod-a"));
  }
  SECTION("undoing the join frees its ports only") {
    pool.undo_claim(b, "pod-b");
    CHECK(pool.find("pod-a")->ports_of("pod-b").empty());
    CHECK(pool.find("pod-a")->ports_of("pod-a") == ports("8080:80"));
    CHECK(pool.claim(network(), publishing(request("c"), "9090:1/udp")).kind == ClaimKind::kAllocated);
  }
  SECTION("dropping the first container keeps the joiner's ports") {
    REQUIRE(pool.drop("pod-a").kind == DropKind::kStillShared);
    CHECK(pool.find("pod-b")->ports_of("pod-b") == ports("9090:90/udp"));
    CHECK(pool.find("pod-b")->ports_of("pod-a").empty());
    CHECK(pool.claim(network(), publishing(request("c"), "8080:1")).kind == ClaimKind::kAllocated);
  }
}

TEST_CASE("a port index entry whose container has no lease does not hold the port", "[ipam][ports]") {
  nh_test::TempDir dir;
  auto pool = nh::Pool::open(dir.path());
  // What a run killed between writing the index and the lease leaves behind.
  dir.write("ports/tcp-8080", R"([{"host_ip": "", "id": "ghost"}])");
  auto c = pool.claim(network(), publishing(request("a"), "8080:80"));
  CHECK(c.kind == ClaimKind::kAllocated);
  CHECK(pool.find("a")->ports_of("a").size() == 1);
}
