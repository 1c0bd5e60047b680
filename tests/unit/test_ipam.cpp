// nh::Pool: the file-based address pool, in a temporary state directory.
#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "lib/fs.hpp"
#include "lib/config.hpp"
#include "lib/error.hpp"
#include "lib/ipam.hpp"
#include "lib/ports.hpp"
#include "common/temp_dir.hpp"

using nh::ClaimKind;
using nh::DropKind;

#include "pool_fixtures.hpp"

using namespace pool_test;


TEST_CASE("the first allocation is .2 (the gateway .1 is skipped)", "[ipam]") {
  nh_test::TempDir dir;
  auto pool = nh::Pool::open(dir.path());
  auto c = pool.claim(network(), request("a"));
  CHECK(c.kind == ClaimKind::kAllocated);
  CHECK(c.lease.address.str() == "172.19.0.2");
  CHECK(c.lease.prefix == 16);
  CHECK(c.lease.gateway.str() == "172.19.0.1");
  CHECK(c.lease.bridge == "netns0");
  CHECK(c.lease.iface == "eth0");
  CHECK(c.lease.host_veth == "nh-a");
  CHECK(c.lease.containers == std::vector<std::string>{"a"});
  CHECK(c.lease.created > 0);
  CHECK(pool.claim(network(), request("b")).lease.address.str() == "172.19.0.3");
}

TEST_CASE("next-fit: a released address is not reused at once", "[ipam]") {
  nh_test::TempDir dir;
  auto pool = nh::Pool::open(dir.path());
  auto a = pool.claim(network(), request("a")).lease.address;
  auto b = pool.claim(network(), request("b")).lease.address;
  release(pool, "a");
  auto c = pool.claim(network(), request("c")).lease.address;
  CHECK(a.str() == "172.19.0.2");
  CHECK(b.str() == "172.19.0.3");
  CHECK(c.str() == "172.19.0.4");
}

TEST_CASE("a small subnet wraps around and then runs full", "[ipam]") {
  nh_test::TempDir dir;
  auto pool = nh::Pool::open(dir.path());
  const auto net = network("10.9.0.1/29");  // usable: .2 .. .6
  std::set<std::string> got;
  for (int i = 0; i < 5; ++i) {
    auto c = pool.claim(net, request("c" + std::to_string(i)));
    REQUIRE(c.kind == ClaimKind::kAllocated);
    got.insert(c.lease.address.str());
  }
  CHECK(got == std::set<std::string>{"10.9.0.2", "10.9.0.3", "10.9.0.4", "10.9.0.5", "10.9.0.6"});
  CHECK_THROWS_WITH(pool.claim(net, request("c5")), Catch::Contains("full") && Catch::Contains("10.9.0.0/29"));
  CHECK_FALSE(pool.find("c5").has_value());

  // Free one in the middle: the search wraps past .7, .0 and .1 to find it.
  release(pool, "c2");
  CHECK(pool.claim(net, request("c6")).lease.address.str() == "10.9.0.4");
  CHECK_THROWS_AS(pool.claim(net, request("c7")), nh::Error);
  CHECK(pool.list().size() == 5);
}

TEST_CASE("network, gateway and broadcast are never handed out", "[ipam]") {
  nh_test::TempDir dir;
  auto pool = nh::Pool::open(dir.path());
  const auto net = network("10.9.0.6/29");  // gateway at the top: usable .1 .. .5
  std::set<std::string> got;
  for (int round = 0; round < 3; ++round) {
    for (int i = 0; i < 5; ++i) got.insert(pool.claim(net, request("r" + std::to_string(i))).lease.address.str());
    for (int i = 0; i < 5; ++i) release(pool, "r" + std::to_string(i));
  }
  CHECK(got == std::set<std::string>{"10.9.0.1", "10.9.0.2", "10.9.0.3", "10.9.0.4", "10.9.0.5"});
}

TEST_CASE("a requested address is honoured; a leased one is refused naming the holder", "[ipam]") {
  nh_test::TempDir dir;
  auto pool = nh::Pool::open(dir.path());
  auto c = pool.claim(network(), static_request("web", "172.19.4.20"));
  CHECK(c.kind == ClaimKind::kAllocated);
  CHECK(c.lease.address.str() == "172.19.4.20");
  CHECK_THROWS_WITH(pool.claim(network(), static_request("db", "172.19.4.20")),
                    Catch::Contains("--static-ip") && Catch::Contains("172.19.4.20") &&
                        Catch::Contains("already leased to web"));
  CHECK_FALSE(pool.find("db").has_value());
  // A static address does not move the next-fit cursor.
  CHECK(pool.claim(network(), request("dyn")).lease.address.str() == "172.19.0.2");
}

TEST_CASE("claiming the same id twice is idempotent", "[ipam]") {
  nh_test::TempDir dir;
  auto pool = nh::Pool::open(dir.path());
  auto first = pool.claim(network(), request("a"));
  auto again = pool.claim(network(), request("a"));
  CHECK(again.kind == ClaimKind::kExisting);
  CHECK(again.lease.address == first.lease.address);
  CHECK(again.lease.containers == std::vector<std::string>{"a"});
  CHECK(pool.list().size() == 1);
}

TEST_CASE("a second container in a live namespace joins its lease", "[ipam]") {
  nh_test::TempDir dir;
  auto pool = nh::Pool::open(dir.path());

  auto a = pool.claim(network(), live("pod-a"));
  pool.activate(a.lease);
  REQUIRE(a.kind == ClaimKind::kAllocated);
  auto b = pool.claim(network(), live("pod-b"));
  CHECK(b.kind == ClaimKind::kJoined);
  CHECK(b.lease.address == a.lease.address);
  CHECK(b.lease.containers == std::vector<std::string>{"pod-a", "pod-b"});
  REQUIRE(pool.find("pod-b").has_value());
  CHECK(pool.find("pod-b")->address == a.lease.address);

  SECTION("dropping a shared lease keeps the address") {
    auto d = pool.drop("pod-a");
    CHECK(d.kind == DropKind::kStillShared);
    CHECK(d.lease.containers == std::vector<std::string>{"pod-b"});
    REQUIRE(pool.find("pod-b").has_value());
    CHECK(pool.find("pod-b")->address == a.lease.address);
    CHECK_FALSE(pool.find("pod-a").has_value());

    auto last = pool.drop("pod-b");
    CHECK(last.kind == DropKind::kLast);
    CHECK(last.lease.address == a.lease.address);
    CHECK(last.lease.containers.empty());
    // Until forget() the address stays taken, even against a static request.
    CHECK_THROWS_WITH(pool.claim(network(), static_request("s", a.lease.address.str())),
                      Catch::Contains("being torn down"));
    pool.forget(last.lease, "pod-b");
    CHECK(pool.claim(network(), static_request("s", a.lease.address.str())).kind == ClaimKind::kAllocated);
  }
  SECTION("undoing a join keeps the lease for the first container") {
    pool.undo_claim(b, "pod-b");
    CHECK_FALSE(pool.find("pod-b").has_value());
    REQUIRE(pool.find("pod-a").has_value());
    CHECK(pool.find("pod-a")->containers == std::vector<std::string>{"pod-a"});
  }
}

TEST_CASE("a lease is joinable only once activated (its network built)", "[ipam]") {
  nh_test::TempDir dir;
  auto pool = nh::Pool::open(dir.path());
  auto a = pool.claim(network(), live("pod-a"));
  REQUIRE(a.kind == ClaimKind::kAllocated);
  // pod-a's setup is still running and may yet be rolled back: no join.
  auto b = pool.claim(network(), live("pod-b"));
  CHECK(b.kind == ClaimKind::kAllocated);
  CHECK(b.lease.address != a.lease.address);
}

TEST_CASE("a namespace whose lease holder is dead is not joined", "[ipam]") {
  nh_test::TempDir dir;
  auto pool = nh::Pool::open(dir.path());
  // Same dev/inode, but the lease's pid 0 is never alive: the inode was recycled.
  auto a = pool.claim(network(), request("old", 4026531999u));
  pool.activate(a.lease);
  auto b = pool.claim(network(), request("new", 4026531999u));
  CHECK(b.kind == ClaimKind::kAllocated);
  CHECK(b.lease.address != a.lease.address);
  CHECK(pool.find("old")->containers == std::vector<std::string>{"old"});
}

TEST_CASE("dropping an unknown id", "[ipam]") {
  nh_test::TempDir dir;
  auto pool = nh::Pool::open(dir.path());
  CHECK(pool.drop("ghost").kind == DropKind::kUnknown);
  pool.claim(network(), request("a"));
  CHECK(pool.drop("ghost").kind == DropKind::kUnknown);
  auto d = pool.drop("a");
  CHECK(d.kind == DropKind::kLast);
  pool.forget(d.lease, "a");
  CHECK(pool.drop("a").kind == DropKind::kUnknown);  // a second teardown
}

TEST_CASE("a teardown interrupted before forget() can be run again", "[ipam]") {
  nh_test::TempDir dir;
  auto pool = nh::Pool::open(dir.path());
  auto c = pool.claim(network(), request("a"));
  auto first = pool.drop("a");
  REQUIRE(first.kind == DropKind::kLast);
  // The veth would not go, so forget() never ran: the address stays taken...
  CHECK_THROWS_WITH(pool.claim(network(), static_request("s", c.lease.address.str())),
                    Catch::Contains("being torn down"));
  // ...and the next teardown of the same id picks the job up again.
  auto again = pool.drop("a");
  REQUIRE(again.kind == DropKind::kLast);
  CHECK(again.lease.address == c.lease.address);
  pool.forget(again.lease, "a");
  CHECK(pool.drop("a").kind == DropKind::kUnknown);
  CHECK(pool.list().empty());
}

TEST_CASE("a drop limited to one lease leaves the lease a restart made since alone", "[ipam]") {
  nh_test::TempDir dir;
  auto pool = nh::Pool::open(dir.path());
  auto old = pool.claim(network(), request("a", 4026531001u)).lease;
  // gc saw `old` dead; meanwhile the runtime restarted "a" in a new namespace.
  auto d = pool.drop("a");
  pool.forget(d.lease, "a");
  auto fresh = pool.claim(network(), request("a", 4026531002u)).lease;
  CHECK_FALSE(nh::same_lease(old, fresh));
  CHECK(pool.drop("a", &old).kind == DropKind::kUnknown);
  REQUIRE(pool.find("a"));
  CHECK(pool.find("a")->address == fresh.address);
  // The lease it names is still dropped.
  CHECK(pool.drop("a", &fresh).kind == DropKind::kLast);
}

TEST_CASE("a container joining a namespace cannot ask for another address", "[ipam]") {
  nh_test::TempDir dir;
  auto pool = nh::Pool::open(dir.path());
  auto first = request("a");
  live_namespace(first);
  pool.activate(pool.claim(network(), first).lease);
  auto second = static_request("b", "172.19.0.77");
  live_namespace(second);
  CHECK_THROWS_WITH(pool.claim(network(), second), Catch::Contains("joins the network namespace of a"));
  CHECK_FALSE(pool.find("b").has_value());
}

TEST_CASE("undo_claim removes an allocation", "[ipam]") {
  nh_test::TempDir dir;
  auto pool = nh::Pool::open(dir.path());
  auto c = pool.claim(network(), static_request("a", "172.19.0.9"));
  pool.undo_claim(c, "a");
  CHECK_FALSE(pool.find("a").has_value());
  CHECK(pool.list().empty());
  CHECK(pool.drop("a").kind == DropKind::kUnknown);
  CHECK(pool.claim(network(), static_request("b", "172.19.0.9")).kind == ClaimKind::kAllocated);
}

TEST_CASE("state survives reopening the pool", "[ipam]") {
  nh_test::TempDir dir;
  {
    auto pool = nh::Pool::open(dir.path());
    pool.claim(network(), request("a"));
    pool.claim(network(), request("b"));
  }
  auto pool = nh::Pool::open(dir.path());
  CHECK(pool.path() == dir.path());
  REQUIRE(pool.find("b").has_value());
  CHECK(pool.find("b")->address.str() == "172.19.0.3");
  CHECK(pool.list().size() == 2);
  auto again = pool.claim(network(), request("a"));
  CHECK(again.kind == ClaimKind::kExisting);
  CHECK(again.lease.address.str() == "172.19.0.2");
  CHECK(pool.claim(network(), request("c")).lease.address.str() == "172.19.0.4");  // cursor reloaded
}

TEST_CASE("state files are private", "[ipam]") {
  nh_test::TempDir dir;
  const std::string state = dir / "state/nested";
  auto pool = nh::Pool::open(state);
  pool.claim(network(), request("a"));
  CHECK(mode_of(state) == 0700);
  for (const char* sub : {"leases", "ids", "netns", "next", "ports"}) {
    INFO(sub);
    CHECK(mode_of(state + "/" + sub) == 0700);
  }
  CHECK(mode_of(state + "/lock") == 0600);
  CHECK(mode_of(state + "/leases/172.19.0.2") == 0600);
  CHECK(mode_of(state + "/ids/a") == 0600);
  CHECK(mode_of(state + "/next/netns0") == 0600);
  pool.claim(network(), publishing(request("b"), "8080:80/udp"));
  CHECK(mode_of(state + "/ports/udp-8080") == 0600);
}

TEST_CASE("lease_to_json and lease_from_json round trip", "[ipam]") {
  nh::Lease l;
  l.address = ip("10.1.2.3");
  l.prefix = 24;
  l.gateway = ip("10.1.2.1");
  l.bridge = "br7";
  l.containers = {"a", "b"};
  l.pid = 1234;
  l.netns_dev = 4;
  l.netns_inode = 4026532000ULL;
  l.host_veth = "nh0123456789ab";
  l.iface = "ceth0";
  l.created = 1700000000;
  l.ports = {{"a", ports("8080:80").front()}, {"b", ports("127.0.0.1:53:5353/udp").front()},
             {"a", ports("9000:9000/sctp").front()}};
  auto r = nh::lease_from_json(nh::lease_to_json(l), "x");
  CHECK(r.address == l.address);
  CHECK(r.prefix == l.prefix);
  CHECK(r.gateway == l.gateway);
  CHECK(r.bridge == l.bridge);
  CHECK(r.containers == l.containers);
  CHECK(r.pid == l.pid);
  CHECK(r.netns_dev == l.netns_dev);
  CHECK(r.netns_inode == l.netns_inode);
  CHECK(r.host_veth == l.host_veth);
  CHECK(r.iface == l.iface);
  CHECK(r.created == l.created);
  CHECK(r.ports_of("a") == ports("8080:80, 9000:9000/sctp"));
  CHECK(r.ports_of("b") == ports("127.0.0.1:53:5353/udp"));
  CHECK(r.ports_of("c").empty());
  // A lease written before ports existed has none.
  auto old = nlohmann::json::parse(nh::lease_to_json(l));
  old.erase("ports");
  CHECK(nh::lease_from_json(old.dump(), "x").ports.empty());
}

TEST_CASE("bad lease text gives an Error naming the lease", "[ipam]") {
  CHECK_THROWS_WITH(nh::lease_from_json("{not json", "/s/leases/10.0.0.2"),
                    Catch::Contains("read lease /s/leases/10.0.0.2") && Catch::Contains("corrupt"));
  CHECK_THROWS_WITH(nh::lease_from_json(R"({"address":"10.0.0.2"})", "L"), Catch::Contains("read lease L"));
  CHECK_THROWS_WITH(nh::lease_from_json(R"({"address":"nope","prefix":24,"gateway":"10.0.0.1","bridge":"b",
      "containers":[],"pid":0,"netns_dev":0,"netns_inode":0,"host_veth":"v"})", "L"),
                    Catch::Contains("read lease L") && Catch::Contains("\"nope\" is not an IP address"));
  const std::string lease = R"({"address":"10.0.0.2","prefix":24,"gateway":"10.0.0.1","bridge":"b",
      "containers":["a"],"pid":0,"netns_dev":0,"netns_inode":0,"host_veth":"v","ports":[{"id":"a","mapping":"M"}]})";
  auto with_mapping = [&](const std::string& m) { return std::string(lease).replace(lease.find("\"M\""), 3, m); };
  CHECK(nh::lease_from_json(with_mapping("\"8080:80/udp\""), "L").ports_of("a") == ports("8080:80/udp"));
  CHECK_THROWS_WITH(nh::lease_from_json(with_mapping("\"80-81:80-81\""), "L"),
                    Catch::Contains("read lease L") && Catch::Contains("corrupt port entry"));
  CHECK_THROWS_WITH(nh::lease_from_json(with_mapping("17"), "L"), Catch::Contains("read lease L"));
}

// Known bug: a mapping parse_ports refuses escapes without the lease's name.
TEST_CASE("a corrupt port mapping in a lease names the lease", "[ipam][ports]") {
  const std::string lease = R"({"address":"10.0.0.2","prefix":24,"gateway":"10.0.0.1","bridge":"b",
      "containers":["a"],"pid":0,"netns_dev":0,"netns_inode":0,"host_veth":"v","ports":[{"id":"a","mapping":"junk"}]})";
  CHECK_THROWS_WITH(nh::lease_from_json(lease, "/s/leases/10.0.0.2"), Catch::Contains("read lease /s/leases/10.0.0.2"));
}

TEST_CASE("a corrupt lease file gives an Error naming the file", "[ipam]") {
  nh_test::TempDir dir;
  auto pool = nh::Pool::open(dir.path());
  pool.claim(network(), request("a"));
  const std::string file = dir / "leases/172.19.0.2";
  dir.write("leases/172.19.0.2", "{\"address\": 17");
  CHECK_THROWS_WITH(pool.find("a"), Catch::Contains(file));
  CHECK_THROWS_WITH(pool.list(), Catch::Contains(file));
  CHECK_THROWS_WITH(pool.claim(network(), request("a")), Catch::Contains(file));
}


TEST_CASE("a namespace stays joinable through any container still in it", "[ipam]") {
  nh_test::TempDir dir;
  auto pool = nh::Pool::open(dir.path());
  // A child process in this namespace plays the container that set it up.
  pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    ::pause();
    ::_exit(0);
  }
  auto a = live("pod-a");
  a.pid = child;
  auto claimed = pool.claim(network(), a);
  pool.activate(claimed.lease);
  REQUIRE(pool.claim(network(), live("pod-b")).kind == ClaimKind::kJoined);
  // pod-a leaves and its process is gone; pod-b (this process) keeps the namespace.
  ::kill(child, SIGKILL);
  ::waitpid(child, nullptr, 0);
  REQUIRE(pool.drop("pod-a").kind == DropKind::kStillShared);
  auto c = pool.claim(network(), live("pod-c"));
  CHECK(c.kind == ClaimKind::kJoined);
  CHECK(c.lease.address == claimed.lease.address);
}

TEST_CASE("temporary file names are recognised by their writer's pid", "[ipam]") {
  CHECK(nh::temp_file_writer("172.19.0.2.tmp.123") == 123);
  CHECK(nh::temp_file_writer("web.tmp.7") == 7);
  CHECK_FALSE(nh::temp_file_writer("web"));
  CHECK_FALSE(nh::temp_file_writer("web.tmp."));
  CHECK_FALSE(nh::temp_file_writer("web.tmp.12x"));
  CHECK_FALSE(nh::temp_file_writer("web.tmp.0"));
}
