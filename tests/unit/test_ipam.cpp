// nh::ipam::Pool: the state directory, in a temporary directory.
#include <catch2/catch.hpp>

#include <cerrno>

#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "lib/base/fs.hpp"
#include "pool_fixtures.hpp"

using namespace pool_test;

TEST_CASE("the first allocation is .2 (the gateway .1 is skipped)", "[ipam]") {
  nh_test::TempDir dir;
  auto pool = nh::ipam::Pool::open(dir.path());
  auto c = pool.claim(request("a"));
  CHECK(c.kind == ClaimKind::kAllocated);
  CHECK(c.new_sandbox);
  CHECK(c.new_member);
  REQUIRE(c.added.size() == 1);
  const auto& a = c.added[0];
  CHECK(a.addresses[0].cidr.str() == "172.19.0.2/16");
  CHECK(a.addresses[0].gateway.str() == "172.19.0.1");
  CHECK(a.network.bridge == "br-default");
  CHECK(a.iface == "eth0");
  CHECK(a.host_veth == "nh-eth0-default");
  CHECK(a.container == "a");
  CHECK(a.building_pid == ::getpid());
  CHECK(members(c.sandbox) == std::vector<std::string>{"a"});
  CHECK(c.sandbox.created_us > 0);
  CHECK(address(pool.claim(request("b"))) == "172.19.0.3");
}

TEST_CASE("next-fit: a released address is not reused at once", "[ipam]") {
  nh_test::TempDir dir;
  auto pool = nh::ipam::Pool::open(dir.path());
  auto a = address(pool.claim(request("a")));
  auto b = address(pool.claim(request("b")));
  release(pool, "a");
  auto c = address(pool.claim(request("c")));
  CHECK(a == "172.19.0.2");
  CHECK(b == "172.19.0.3");
  CHECK(c == "172.19.0.4");
}

TEST_CASE("a small subnet wraps around and then runs full", "[ipam]") {
  nh_test::TempDir dir;
  auto pool = nh::ipam::Pool::open(dir.path());
  const auto net = network("10.9.0.0/29");  // usable: .2 .. .6
  std::set<std::string> got;
  for (int i = 0; i < 5; ++i) {
    auto c = pool.claim(request("c" + std::to_string(i), 0, net));
    REQUIRE(c.kind == ClaimKind::kAllocated);
    got.insert(address(c));
  }
  CHECK(got == std::set<std::string>{"10.9.0.2", "10.9.0.3", "10.9.0.4", "10.9.0.5", "10.9.0.6"});
  try {
    pool.claim(request("c5", 0, net));
    FAIL("a full pool handed out an address");
  } catch (const nh::base::Error& e) {
    CHECK_THAT(e.what(), Catch::Contains("full (5 addresses leased)") && Catch::Contains("10.9.0.0/29") &&
                             Catch::Contains("network default"));
    CHECK(e.is_errno(ENOSPC));  // setup collects dead leases on this, and only this
  }
  CHECK_FALSE(pool.find("c5").has_value());

  // Free one in the middle: the search wraps past .7, .0 and .1 to find it.
  release(pool, "c2");
  CHECK(address(pool.claim(request("c6", 0, net))) == "10.9.0.4");
  CHECK_THROWS_AS(pool.claim(request("c7", 0, net)), nh::base::Error);
  CHECK(pool.list().size() == 5);
}

TEST_CASE("network, gateway and broadcast are never handed out", "[ipam]") {
  nh_test::TempDir dir;
  auto pool = nh::ipam::Pool::open(dir.path());
  const auto net = network("10.9.0.0/29", "default", "10.9.0.6");  // gateway at the top: usable .1 .. .5
  std::set<std::string> got;
  for (int round = 0; round < 3; ++round) {
    for (int i = 0; i < 5; ++i) got.insert(address(pool.claim(request("r" + std::to_string(i), 0, net))));
    for (int i = 0; i < 5; ++i) release(pool, "r" + std::to_string(i));
  }
  CHECK(got == std::set<std::string>{"10.9.0.1", "10.9.0.2", "10.9.0.3", "10.9.0.4", "10.9.0.5"});
}

TEST_CASE("a requested address is honoured; a leased one is refused naming the holder", "[ipam]") {
  nh_test::TempDir dir;
  auto pool = nh::ipam::Pool::open(dir.path());
  auto c = pool.claim(static_request("web", "172.19.4.20"));
  CHECK(c.kind == ClaimKind::kAllocated);
  CHECK(address(c) == "172.19.4.20");
  CHECK_THROWS_WITH(pool.claim(static_request("db", "172.19.4.20")),
                    Catch::Contains("--static-ip") && Catch::Contains("172.19.4.20") &&
                        Catch::Contains("already leased to web"));
  CHECK_FALSE(pool.find("db").has_value());
  // A static address does not move the next-fit cursor.
  CHECK(address(pool.claim(request("dyn"))) == "172.19.0.2");
}

TEST_CASE("pools of different networks are separate: the same address on two networks", "[ipam]") {
  nh_test::TempDir dir;
  auto pool = nh::ipam::Pool::open(dir.path());
  auto web = network("10.89.1.0/24", "web"), db = network("10.89.1.0/24", "db");
  CHECK(address(pool.claim(request("a", 0, web))) == "10.89.1.2");
  CHECK(address(pool.claim(request("b", 0, db))) == "10.89.1.2");
  CHECK(std::filesystem::exists(dir / "pools/web/10.89.1.2"));
  CHECK(std::filesystem::exists(dir / "pools/db/10.89.1.2"));
}

TEST_CASE("a container on two networks gets one attachment each, in order", "[ipam]") {
  nh_test::TempDir dir;
  auto pool = nh::ipam::Pool::open(dir.path());
  auto r = request("both");
  r.attachments = {on(network("10.89.1.0/24", "web"), "eth0"), on(network("10.89.2.0/24", "db"), "eth1")};
  r.attachments[1].default_route = false;
  auto c = pool.claim(r);
  REQUIRE(c.added.size() == 2);
  CHECK(c.added[0].iface == "eth0");
  CHECK(c.added[0].default_route);
  CHECK(c.added[1].iface == "eth1");
  CHECK_FALSE(c.added[1].default_route);
  CHECK(address(c, 1) == "10.89.2.2");
  CHECK(pool.find("both")->attachments.size() == 2);
  // Teardown releases both.
  auto d = pool.drop("both");
  CHECK(d.release.size() == 2);
  finish(pool, d, "both");
  CHECK(pool.list().empty());
  CHECK_FALSE(std::filesystem::exists(dir / "pools/web/10.89.1.2"));
  CHECK_FALSE(std::filesystem::exists(dir / "pools/db/10.89.2.2"));
}

TEST_CASE("a failure on the second network leaves nothing of the first", "[ipam]") {
  nh_test::TempDir dir;
  auto pool = nh::ipam::Pool::open(dir.path());
  auto tiny = network("10.9.0.0/30", "tiny");  // one usable address
  pool.claim(request("holder", 0, tiny));
  auto r = request("both");
  r.attachments = {on(network("10.89.1.0/24", "web"), "eth0"), on(tiny, "eth1")};
  CHECK_THROWS_WITH(pool.claim(r), Catch::Contains("full"));
  CHECK_FALSE(pool.find("both").has_value());
  CHECK_FALSE(std::filesystem::exists(dir / "pools/web/10.89.1.2"));
  CHECK(pool.list().size() == 1);
}

TEST_CASE("claiming the same id twice is idempotent once built", "[ipam]") {
  nh_test::TempDir dir;
  auto pool = nh::ipam::Pool::open(dir.path());
  auto first = pool.claim(request("a"));
  // Still being built by this (live) process: a second run is told to retry.
  CHECK_THROWS_WITH(pool.claim(request("a")), Catch::Contains("is setting it up; retry"));
  try {
    pool.claim(request("a"));
  } catch (const nh::base::Error& e) {
    CHECK(e.is_errno(EAGAIN));  // a condition that passes: every front end says "try again"
  }
  pool.activate(first);
  auto again = pool.claim(request("a"));
  CHECK(again.kind == ClaimKind::kExisting);
  CHECK(again.sandbox.attachments.at(0).addresses == first.added.at(0).addresses);
  CHECK(pool.list().size() == 1);
}

TEST_CASE("the same id in another namespace is refused until torn down", "[ipam]") {
  nh_test::TempDir dir;
  auto pool = nh::ipam::Pool::open(dir.path());
  pool.activate(pool.claim(request("a", 4026531001u)));
  CHECK_THROWS_WITH(pool.claim(request("a", 4026531002u)), Catch::Contains("set up in another network namespace"));
}

TEST_CASE("a second container in a live namespace joins it", "[ipam]") {
  nh_test::TempDir dir;
  auto pool = nh::ipam::Pool::open(dir.path());

  auto a = pool.claim(live("pod-a"));
  REQUIRE(a.kind == ClaimKind::kAllocated);
  pool.activate(a);
  auto b = pool.claim(live("pod-b"));
  CHECK(b.kind == ClaimKind::kJoined);
  CHECK(b.added.empty());
  CHECK(members(b.sandbox) == std::vector<std::string>{"pod-a", "pod-b"});
  CHECK(address_of(pool, "pod-b") == address(a));

  SECTION("dropping a shared namespace keeps the addresses") {
    auto d = pool.drop("pod-a");
    CHECK(d.kind == DropKind::kStillShared);
    CHECK(members(d.sandbox) == std::vector<std::string>{"pod-b"});
    CHECK(address_of(pool, "pod-b") == address(a));
    CHECK_FALSE(pool.find("pod-a").has_value());

    auto last = pool.drop("pod-b");
    CHECK(last.kind == DropKind::kRelease);
    REQUIRE(last.release.size() == 1);
    CHECK(last.release[0].addresses == a.added[0].addresses);
    CHECK(last.sandbox.members.empty());
    // Until forget() the address stays taken, even against a static request.
    CHECK_THROWS_WITH(pool.claim(static_request("s", address(a))), Catch::Contains("being torn down"));
    finish(pool, last, "pod-b");
    CHECK(pool.claim(static_request("s", address(a))).kind == ClaimKind::kAllocated);
  }
  SECTION("undoing a join keeps the namespace for the first container") {
    pool.undo_claim(b, "pod-b");
    CHECK_FALSE(pool.find("pod-b").has_value());
    REQUIRE(pool.find("pod-a").has_value());
    CHECK(members(*pool.find("pod-a")) == std::vector<std::string>{"pod-a"});
  }
}

TEST_CASE("a namespace is joinable only once built", "[ipam]") {
  nh_test::TempDir dir;
  auto pool = nh::ipam::Pool::open(dir.path());
  auto a = pool.claim(live("pod-a"));
  REQUIRE(a.kind == ClaimKind::kAllocated);
  // pod-a's setup is still running and may yet be rolled back: no join.
  CHECK_THROWS_WITH(pool.claim(live("pod-b")), Catch::Contains("is setting it up; retry"));
  CHECK_FALSE(pool.find("pod-b").has_value());
}

TEST_CASE("a namespace whose containers are dead is not joined", "[ipam]") {
  nh_test::TempDir dir;
  auto pool = nh::ipam::Pool::open(dir.path());
  // Same dev/inode, but pid 0 is never alive: the inode was recycled.
  pool.activate(pool.claim(request("old", 4026531999u)));
  auto fresh = request("new", 4026531999u);
  fresh.pid = 12345;
  CHECK_THROWS_WITH(pool.claim(fresh), Catch::Contains("namespace that is gone") && Catch::Contains("gc"));
  CHECK(members(*pool.find("old")) == std::vector<std::string>{"old"});
}

TEST_CASE("dropping an unknown id", "[ipam]") {
  nh_test::TempDir dir;
  auto pool = nh::ipam::Pool::open(dir.path());
  CHECK(pool.drop("ghost").kind == DropKind::kUnknown);
  pool.claim(request("a"));
  CHECK(pool.drop("ghost").kind == DropKind::kUnknown);
  release(pool, "a");
  CHECK(pool.drop("a").kind == DropKind::kUnknown);  // a second teardown
  CHECK(pool.list().empty());
  CHECK(pool.ids().empty());
}

TEST_CASE("a teardown interrupted before forget() can be run again", "[ipam]") {
  nh_test::TempDir dir;
  auto pool = nh::ipam::Pool::open(dir.path());
  auto c = pool.claim(request("a"));
  auto first = pool.drop("a");
  REQUIRE(first.kind == DropKind::kRelease);
  // The veth would not go, so forget() never ran: the address stays taken...
  CHECK_THROWS_WITH(pool.claim(static_request("s", address(c))), Catch::Contains("being torn down"));
  CHECK(pool.find("a", true).has_value());
  CHECK_FALSE(pool.find("a").has_value());
  // ...and the next teardown of the same id picks the job up again.
  auto again = pool.drop("a");
  REQUIRE(again.kind == DropKind::kRelease);
  CHECK(again.release.at(0).addresses == c.added.at(0).addresses);
  finish(pool, again, "a");
  CHECK(pool.drop("a").kind == DropKind::kUnknown);
  CHECK(pool.list().empty());
}

TEST_CASE("a forget() for some attachments only keeps the rest for the next run", "[ipam]") {
  nh_test::TempDir dir;
  auto pool = nh::ipam::Pool::open(dir.path());
  auto r = request("both");
  r.attachments = {on(network("10.89.1.0/24", "web"), "eth0"), on(network("10.89.2.0/24", "db"), "eth1")};
  pool.claim(r);
  auto d = pool.drop("both");
  REQUIRE(d.release.size() == 2);
  pool.forget(d.sandbox, {"eth1"});  // eth0's veth would not go
  CHECK_FALSE(std::filesystem::exists(dir / "pools/db/10.89.2.2"));
  CHECK(std::filesystem::exists(dir / "pools/web/10.89.1.2"));
  auto again = pool.drop("both");
  REQUIRE(again.kind == DropKind::kRelease);
  REQUIRE(again.release.size() == 1);
  CHECK(again.release[0].iface == "eth0");
  finish(pool, again, "both");
  CHECK(pool.list().empty());
  CHECK(pool.ids().empty());
}

TEST_CASE("a drop limited to one sandbox leaves the one a restart made since alone", "[ipam]") {
  nh_test::TempDir dir;
  auto pool = nh::ipam::Pool::open(dir.path());
  auto old = pool.claim(request("a", 4026531001u)).sandbox;
  // gc saw `old` dead; meanwhile the runtime restarted "a" in a new namespace.
  release(pool, "a");
  auto fresh = pool.claim(request("a", 4026531002u)).sandbox;
  CHECK_FALSE(nh::ipam::same_sandbox(old, fresh));
  CHECK(pool.drop("a", "", &old).kind == DropKind::kUnknown);
  REQUIRE(pool.find("a"));
  CHECK(pool.find("a")->key == fresh.key);
  // The sandbox it names is still dropped.
  CHECK(pool.drop("a", "", &fresh).kind == DropKind::kRelease);
}

TEST_CASE("a container joining a namespace cannot ask for another address", "[ipam]") {
  nh_test::TempDir dir;
  auto pool = nh::ipam::Pool::open(dir.path());
  pool.activate(pool.claim(live("a")));
  auto second = static_request("b", "172.19.0.77");
  live_namespace(second);
  CHECK_THROWS_WITH(pool.claim(second), Catch::Contains("joins the network namespace of a"));
  CHECK_FALSE(pool.find("b").has_value());
}

TEST_CASE("undo_claim removes an allocation, and everything that names it", "[ipam]") {
  nh_test::TempDir dir;
  auto pool = nh::ipam::Pool::open(dir.path());
  auto c = pool.claim(static_request("a", "172.19.0.9"));
  pool.undo_claim(c, "a");
  CHECK_FALSE(pool.find("a").has_value());
  CHECK(pool.list().empty());
  CHECK(pool.ids().empty());
  CHECK(pool.drop("a").kind == DropKind::kUnknown);
  CHECK(pool.remove_stale_entries(true).empty());
  CHECK(pool.claim(static_request("b", "172.19.0.9")).kind == ClaimKind::kAllocated);
}

TEST_CASE("a CNI-style claim adds an attachment to a container's namespace; a drop by interface removes it",
          "[ipam]") {
  nh_test::TempDir dir;
  auto pool = nh::ipam::Pool::open(dir.path());
  auto first = request("pod");
  first.join_existing = false;
  first.netns_path = "/proc/self/ns/net";
  live_namespace(first);
  first.pid = 0;
  pool.activate(pool.claim(first));
  auto second = first;
  second.attachments = {on(network("10.89.2.0/24", "db"), "eth1")};
  auto c = pool.claim(second);
  CHECK(c.kind == ClaimKind::kAllocated);
  CHECK_FALSE(c.new_sandbox);
  CHECK_FALSE(c.new_member);
  REQUIRE(c.added.size() == 1);
  CHECK(c.added[0].iface == "eth1");
  pool.activate(c);
  CHECK(pool.find("pod")->attachments.size() == 2);
  // ADD again: nothing new.
  CHECK(pool.claim(second).kind == ClaimKind::kExisting);
  // Another network on an interface that is taken.
  auto clash = second;
  clash.attachments = {on(network("10.89.3.0/24", "other"), "eth1")};
  CHECK_THROWS_WITH(pool.claim(clash), Catch::Contains("has an interface eth1 on network db already"));

  auto d = pool.drop("pod", "eth1");
  REQUIRE(d.kind == DropKind::kRelease);
  REQUIRE(d.release.size() == 1);
  CHECK(d.release[0].network.name == "db");
  finish(pool, d, "pod");
  REQUIRE(pool.find("pod").has_value());
  CHECK(pool.find("pod")->attachments.size() == 1);
  CHECK(pool.drop("pod", "eth1").kind == DropKind::kUnknown);  // DEL twice
  auto last = pool.drop("pod", "eth0");
  REQUIRE(last.kind == DropKind::kRelease);
  finish(pool, last, "pod");
  CHECK(pool.list().empty());
  CHECK(pool.ids().empty());
}

TEST_CASE("state survives reopening the pool", "[ipam]") {
  nh_test::TempDir dir;
  {
    auto pool = nh::ipam::Pool::open(dir.path());
    pool.activate(pool.claim(request("a")));
    pool.claim(request("b"));
  }
  auto pool = nh::ipam::Pool::open(dir.path());
  CHECK(pool.path() == dir.path());
  CHECK(address_of(pool, "b") == "172.19.0.3");
  CHECK(pool.list().size() == 2);
  auto again = pool.claim(request("a"));
  CHECK(again.kind == ClaimKind::kExisting);
  CHECK(address(pool.claim(request("c"))) == "172.19.0.4");  // cursor reloaded
}

TEST_CASE("state files are private", "[ipam]") {
  nh_test::TempDir dir;
  const std::string state = dir / "state/nested";
  auto pool = nh::ipam::Pool::open(state);
  auto c = pool.claim(request("a"));
  CHECK(mode_of(state) == 0700);
  for (const char* sub : {"sandboxes", "containers", "pools", "pools/default", "next", "ports"}) {
    INFO(sub);
    CHECK(mode_of(state + "/" + sub) == 0700);
  }
  CHECK(mode_of(state + "/lock") == 0600);
  CHECK(mode_of(state + "/pools/default/172.19.0.2") == 0600);
  CHECK(mode_of(state + "/sandboxes/" + c.sandbox.key) == 0600);
  CHECK(mode_of(state + "/containers/a") == 0600);
  CHECK(mode_of(state + "/next/default.4") == 0600);
  pool.claim(publishing(request("b"), "8080:80/udp"));
  CHECK(mode_of(state + "/ports/udp-8080") == 0600);
}

TEST_CASE("a sandbox's JSON round trips", "[ipam]") {
  nh_test::TempDir dir;
  auto pool = nh::ipam::Pool::open(dir.path());
  auto r = publishing(request("a"), "8080:80, 127.0.0.1:53:5353/udp");
  r.netns_link = "/run/netns/nh-a";
  r.pid = 77;
  auto c = pool.claim(r);
  auto text = nh::ipam::to_json(c.sandbox);
  auto back = nh::ipam::sandbox_from_json(text, "x");
  CHECK(nh::ipam::to_json(back) == text);
  CHECK(back.member("a")->ports == ports("8080:80, 127.0.0.1:53:5353/udp"));
  CHECK(back.member("a")->netns_link == "/run/netns/nh-a");
  CHECK(back.member("a")->pid == 77);
  CHECK(back.attachments.at(0).network == c.added.at(0).network);
  CHECK(back.ports_attachment(*back.member("a"))->iface == "eth0");
}

TEST_CASE("bad sandbox text gives an Error naming the file", "[ipam]") {
  CHECK_THROWS_WITH(nh::ipam::sandbox_from_json("{not json", "/s/sandboxes/4-1"),
                    Catch::Contains("read /s/sandboxes/4-1") && Catch::Contains("corrupt"));
  CHECK_THROWS_WITH(nh::ipam::sandbox_from_json(R"({"key":"4-1"})", "L"), Catch::Contains("read L"));
  nh_test::TempDir dir;
  auto pool = nh::ipam::Pool::open(dir.path());
  auto c = pool.claim(request("a"));
  auto j = nlohmann::json::parse(nh::ipam::to_json(c.sandbox));
  j["members"][0]["ports"] = {"80-81:80-81"};
  CHECK_THROWS_WITH(nh::ipam::sandbox_from_json(j.dump(), "L"), Catch::Contains("read L") && Catch::Contains("corrupt port entry"));
  j["members"][0]["ports"] = {"junk"};
  CHECK_THROWS_WITH(nh::ipam::sandbox_from_json(j.dump(), "L"), Catch::Contains("read L"));
  j = nlohmann::json::parse(nh::ipam::to_json(c.sandbox));
  j["attachments"][0]["network"]["colour"] = "blue";
  CHECK_THROWS_WITH(nh::ipam::sandbox_from_json(j.dump(), "L"), Catch::Contains("read L") && Catch::Contains("colour"));
}

TEST_CASE("a corrupt record gives an Error naming the file", "[ipam]") {
  nh_test::TempDir dir;
  auto pool = nh::ipam::Pool::open(dir.path());
  auto c = pool.claim(request("a"));
  const std::string file = dir / ("sandboxes/" + c.sandbox.key);
  dir.write("sandboxes/" + c.sandbox.key, "{\"key\": 17");
  CHECK_THROWS_WITH(pool.find("a"), Catch::Contains(file));
  CHECK_THROWS_WITH(pool.list(), Catch::Contains(file));
  CHECK_THROWS_WITH(pool.claim(request("a")), Catch::Contains(file));
}

TEST_CASE("a namespace stays joinable through any container still in it", "[ipam]") {
  nh_test::TempDir dir;
  auto pool = nh::ipam::Pool::open(dir.path());
  // A child process in this namespace plays the container that set it up.
  pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    ::pause();
    ::_exit(0);
  }
  auto a = live("pod-a");
  a.pid = child;
  auto claimed = pool.claim(a);
  pool.activate(claimed);
  REQUIRE(pool.claim(live("pod-b")).kind == ClaimKind::kJoined);
  // pod-a leaves and its process is gone; pod-b (this process) keeps the namespace.
  ::kill(child, SIGKILL);
  ::waitpid(child, nullptr, 0);
  REQUIRE(pool.drop("pod-a").kind == DropKind::kStillShared);
  auto c = pool.claim(live("pod-c"));
  CHECK(c.kind == ClaimKind::kJoined);
  CHECK(address_of(pool, "pod-c") == address(claimed));
}

TEST_CASE("stale leases and indexes, as killed runs leave them, are found and removed", "[ipam]") {
  nh_test::TempDir dir;
  auto pool = nh::ipam::Pool::open(dir.path());
  pool.claim(request("live"));
  dir.write("pools/default/172.19.9.9", "4-999\n");  // a claim killed before its record
  dir.write("containers/ghost", "4-999\n");          // an index naming no record
  auto dry = pool.remove_stale_entries(true);
  CHECK(std::set<std::string>(dry.begin(), dry.end()) ==
        std::set<std::string>{"pools/default/172.19.9.9", "containers/ghost"});
  CHECK(std::filesystem::exists(dir / "containers/ghost"));
  CHECK(pool.remove_stale_entries(false).size() == 2);
  CHECK_FALSE(std::filesystem::exists(dir / "containers/ghost"));
  CHECK_FALSE(std::filesystem::exists(dir / "pools/default/172.19.9.9"));
  CHECK(pool.remove_stale_entries(false).empty());
  CHECK(address_of(pool, "live") == "172.19.0.2");
  // A stale lease is skipped by next-fit, never handed out twice.
  dir.write("pools/default/172.19.0.3", "4-999\n");
  CHECK(address(pool.claim(request("next"))) == "172.19.0.4");
}

TEST_CASE("temporary files of dead writers are removed, a live writer's stay", "[ipam]") {
  nh_test::TempDir dir;
  auto pool = nh::ipam::Pool::open(dir.path());
  pool.claim(request("a"));
  dir.write("sandboxes/x.tmp.999999", "{");
  dir.write("pools/default/172.19.0.9.tmp.999999", "x");
  dir.write("containers/y.tmp." + std::to_string(::getpid()), "x");
  auto removed = pool.remove_dead_temp_files(false);
  CHECK(std::set<std::string>(removed.begin(), removed.end()) ==
        std::set<std::string>{"sandboxes/x.tmp.999999", "pools/default/172.19.0.9.tmp.999999"});
  CHECK(std::filesystem::exists(dir / ("containers/y.tmp." + std::to_string(::getpid()))));
  CHECK(pool.list().size() == 1);
}

TEST_CASE("temporary file names are recognised by their writer's pid", "[ipam]") {
  CHECK(nh::base::temp_file_writer("172.19.0.2.tmp.123") == 123);
  CHECK(nh::base::temp_file_writer("web.tmp.7") == 7);
  CHECK_FALSE(nh::base::temp_file_writer("web"));
  CHECK_FALSE(nh::base::temp_file_writer("web.tmp."));
  CHECK_FALSE(nh::base::temp_file_writer("web.tmp.12x"));
  CHECK_FALSE(nh::base::temp_file_writer("web.tmp.0"));
}

TEST_CASE("a network with no lease is removed whole; a claim after that is refused", "[ipam]") {
  nh_test::TempDir dir;
  auto pool = nh::ipam::Pool::open(dir.path());
  auto web = network("10.89.1.0/24", "web");
  const std::string file = dir.write("web.json", "{}");
  auto on_web = [&](const std::string& id) {
    auto r = request(id, 0, web);
    r.attachments[0].definition = file;
    return r;
  };
  pool.claim(on_web("a"));
  int removed = 0;
  CHECK_THROWS_WITH(pool.remove_network("web", [&] { ++removed; }), Catch::Contains("10.89.1.2 is leased"));
  CHECK(removed == 0);
  release(pool, "a");
  CHECK_NOTHROW(pool.remove_network("web", [&] { std::filesystem::remove(file); }));
  CHECK_FALSE(std::filesystem::exists(dir / "pools/web"));
  CHECK_FALSE(std::filesystem::exists(dir / "next/web.4"));
  // A setup that read the file before rm claims after it: refused, nothing leased.
  CHECK_THROWS_WITH(pool.claim(on_web("b")), Catch::Contains("the network was removed"));
  CHECK_FALSE(std::filesystem::exists(dir / "pools/web"));
  CHECK_NOTHROW(pool.remove_network("web", [] {}));
}

TEST_CASE("a lease names its sandbox's key and creation: a rollback of an old sandbox leaves a new one's alone",
          "[ipam]") {
  nh_test::TempDir dir;
  auto pool = nh::ipam::Pool::open(dir.path());
  auto old = pool.claim(static_request("a", "172.19.0.9"));
  CHECK(dir.read("pools/default/172.19.0.9") == nh::ipam::lease_owner(old.sandbox) + "\n");
  // gc reclaims it (its setup was killed), and a namespace with the same
  // inode leases the same address.
  release(pool, "a");
  auto fresh = static_request("b", "172.19.0.9");
  fresh.netns_inode = old.sandbox.netns_inode;
  auto now = pool.claim(fresh);
  REQUIRE(now.sandbox.key == old.sandbox.key);
  // The old setup's rollback runs late.
  pool.undo_claim(old, "a");
  CHECK(dir.read("pools/default/172.19.0.9") == nh::ipam::lease_owner(now.sandbox) + "\n");
  CHECK(address_of(pool, "b") == "172.19.0.9");
}

TEST_CASE("two networks of one container cannot share an interface name", "[ipam]") {
  nh_test::TempDir dir;
  auto pool = nh::ipam::Pool::open(dir.path());
  auto r = request("both");
  r.attachments = {on(network("10.89.1.0/24", "web"), "eth1"), on(network("10.89.2.0/24", "db"), "eth1")};
  CHECK_THROWS_WITH(pool.claim(r), Catch::Contains("two of its networks would use the interface name eth1"));
  CHECK(pool.list().empty());
  CHECK_FALSE(std::filesystem::exists(dir / "pools/web/10.89.1.2"));
}

namespace {
// A CNI-style request: a container in the test's live namespace, by path.
nh::ipam::ClaimRequest cni(const std::string& id) {
  auto r = request(id);
  r.join_existing = false;
  live_namespace(r);
  r.pid = 0;
  r.netns_path = "/proc/self/ns/net";
  return r;
}
}  // namespace

TEST_CASE("a CNI-style claim that adds ports to an existing container is undone whole", "[ipam][ports]") {
  nh_test::TempDir dir;
  auto pool = nh::ipam::Pool::open(dir.path());
  auto first = cni("pod");
  pool.activate(pool.claim(first));
  auto second = first;
  second.attachments = {on(network("10.89.2.0/24", "db"), "eth1")};
  second.ports = ports("8080:80");
  second.ports_network = "db";
  auto c = pool.claim(second);
  REQUIRE(c.kind == ClaimKind::kAllocated);
  CHECK(pool.find("pod")->member("pod")->ports == ports("8080:80"));
  pool.undo_claim(c, "pod");
  CHECK(pool.find("pod")->member("pod")->ports.empty());
  CHECK(pool.find("pod")->attachments.size() == 1);
  CHECK(port_index(dir).empty());
  // And it can be retried.
  CHECK(pool.claim(second).kind == ClaimKind::kAllocated);
}

TEST_CASE("gc's drop of one attachment leaves one re-added since on that interface", "[ipam]") {
  nh_test::TempDir dir;
  auto pool = nh::ipam::Pool::open(dir.path());
  auto eth0 = cni("pod");
  pool.activate(pool.claim(eth0));
  auto eth1 = eth0;
  eth1.attachments = {on(network("10.89.2.0/24", "db"), "eth1")};
  pool.activate(pool.claim(eth1));
  auto judged = *pool.find("pod");  // gc looked at both
  auto del = pool.drop("pod", "eth1");
  finish(pool, del, "pod");
  pool.activate(pool.claim(eth1));  // ADD again: the same sandbox, a new eth1
  CHECK(pool.drop("pod", "eth1", &judged).kind == DropKind::kUnknown);
  CHECK(pool.find("pod")->attachments.size() == 2);
  // The attachment gc judged and that is still there is dropped.
  CHECK(pool.drop("pod", "eth0", &judged).kind == DropKind::kRelease);
}

TEST_CASE("a dual-stack network leases one address of each family; a full IPv6 pool is an error", "[ipam][ipv6]") {
  nh_test::TempDir dir;
  auto pool = nh::ipam::Pool::open(dir.path());
  auto net = network("10.89.1.0/24", "web");
  net.subnets.push_back(nh::net::make_subnet("fd00:1::/64", "", "s"));
  auto c = pool.claim(request("a", 0, net));
  REQUIRE(c.added.size() == 1);
  const auto& ad = c.added[0].addresses;
  REQUIRE(ad.size() == 2);
  CHECK(ad[0].cidr.str() == "10.89.1.2/24");
  CHECK(ad[1].cidr.str() == "fd00:1::2/64");
  CHECK(ad[1].gateway.str() == "fd00:1::1");
  CHECK(std::filesystem::exists(dir / "pools/web/fd00:1::2"));
  CHECK(std::filesystem::exists(dir / "next/web.6"));
  // A requested IPv6 address goes to its family's subnet; the IPv4 one is picked.
  auto r = request("b", 0, net);
  r.attachments[0].requested = {ip("fd00:1::beef")};
  auto b = pool.claim(r);
  CHECK(b.added[0].addresses[1].cidr.address().str() == "fd00:1::beef");
  CHECK(b.added[0].addresses[0].cidr.address().str() == "10.89.1.3");
  release(pool, "a");
  CHECK_FALSE(std::filesystem::exists(dir / "pools/web/fd00:1::2"));

  // A /120 runs full after 254 leases; the error names the pool and sets ENOSPC.
  auto small = network("10.90.0.0/16", "small");
  small.subnets.push_back(nh::net::make_subnet("fd00:2::/120", "", "s"));
  for (int i = 0; i < 254; ++i) REQUIRE(pool.claim(request("s" + std::to_string(i), 0, small)).kind == ClaimKind::kAllocated);
  try {
    pool.claim(request("s254", 0, small));
    FAIL("a full IPv6 pool handed out an address");
  } catch (const nh::base::Error& e) {
    CHECK_THAT(e.what(), Catch::Contains("fd00:2::/120 is full (254 addresses leased)"));
    CHECK(e.is_errno(ENOSPC));
  }
  // Nothing of the refused claim is left: not even its IPv4 lease.
  CHECK_FALSE(pool.find("s254").has_value());
  CHECK(std::distance(std::filesystem::directory_iterator(dir / "pools/small"), {}) == 2 * 254);
}
