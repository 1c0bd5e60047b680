// parse_state: the OCI state JSON as runc, crun and podman write it.
#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>
#include <string>

#include "lib/base/error.hpp"
#include "lib/input/oci_state.hpp"

namespace {

std::string fixture(const std::string& name) {
  std::ifstream in(std::string(NH_TEST_DATA) + "/state/" + name);
  REQUIRE(in.good());
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// parse_state must throw an nh::base::Error whose message contains `needle`.
void expect_rejected(const std::string& json, const std::string& needle) {
  INFO("input: " << json.substr(0, 120));
  try {
    nh::input::parse_state(json);
    FAIL("parse_state accepted the input");
  } catch (const nh::base::Error& e) {
    INFO("message: " << e.what());
    CHECK(std::string(e.what()).find(needle) != std::string::npos);
    CHECK(std::string(e.what()).find("parse container state") != std::string::npos);
  }
}

std::string with_id(const std::string& id) { return R"({"id":")" + id + R"(","status":"creating","pid":1})"; }

}  // namespace

TEST_CASE("runc prestart state", "[oci_state]") {
  auto s = nh::input::parse_state(fixture("runc_prestart.json"));
  CHECK(s.id == "t1");
  CHECK(s.status == "creating");
  REQUIRE(s.pid.has_value());
  CHECK(*s.pid == 2391);
  CHECK(s.bundle == "/tmp/rt");
  CHECK(s.annotations.empty());
}

TEST_CASE("runc poststop state has no pid", "[oci_state]") {
  auto s = nh::input::parse_state(fixture("runc_poststop.json"));
  CHECK(s.id == "t1");
  CHECK(s.status == "stopped");
  CHECK_FALSE(s.pid.has_value());
}

TEST_CASE("crun createRuntime state with an extra root field", "[oci_state]") {
  auto s = nh::input::parse_state(fixture("crun_create_runtime.json"));
  CHECK(s.id == "crun-ctr");
  CHECK(s.status == "created");
  REQUIRE(s.pid.has_value());
  CHECK(*s.pid == 4242);
  CHECK(s.bundle == "/var/lib/containers/crun-ctr/userdata");
}

TEST_CASE("crun poststop pid 0 means no pid", "[oci_state]") {
  auto s = nh::input::parse_state(fixture("crun_poststop.json"));
  CHECK(s.status == "stopped");
  CHECK_FALSE(s.pid.has_value());
}

TEST_CASE("podman poststop state with annotations", "[oci_state]") {
  auto s = nh::input::parse_state(fixture("podman_poststop.json"));
  CHECK(s.id.size() == 64);
  CHECK(s.status == "stopped");
  CHECK_FALSE(s.pid.has_value());
  CHECK(s.annotations.size() == 3);
  CHECK(nh::input::annotation(s, "io.container.manager") == std::optional<std::string>("libpod"));
  CHECK(nh::input::annotation(s, "netns-hook.ip") == std::optional<std::string>("172.19.0.42"));
  CHECK_FALSE(nh::input::annotation(s, "absent").has_value());
}

TEST_CASE("unknown fields are ignored", "[oci_state]") {
  auto s = nh::input::parse_state(
      R"({"id":"x","pid":7,"status":"created","future":{"nested":[1,2,3]},"rootless":true,"n":null})");
  CHECK(s.id == "x");
  CHECK(s.pid == std::optional<int>(7));
}

TEST_CASE("ids made of every allowed character are accepted", "[oci_state]") {
  CHECK(nh::input::parse_state(with_id("aZ09_.+-")).id == "aZ09_.+-");
  CHECK(nh::input::parse_state(with_id(std::string(255, 'a'))).id.size() == 255);
  CHECK_NOTHROW(nh::input::validate_container_id("...", "check", "the id"));
}

TEST_CASE("malformed state documents are rejected with a reason", "[oci_state]") {
  SECTION("malformed JSON") { expect_rejected(R"({"id":"t1",)", "not valid JSON"); }
  SECTION("empty input") { expect_rejected("", "no container state on stdin"); }
  SECTION("only blanks") { expect_rejected(" \n\t", "no container state on stdin"); }
  // Found by fuzz_oci_state: nlohmann throws out_of_range, not parse_error, here.
  SECTION("a number beyond a double") { expect_rejected(R"({"id":"t1","pid":1e999})", "number overflow"); }
  SECTION("not an object") { expect_rejected(R"(["id","t1"])", "expected a JSON object"); }
  SECTION("a bare string") { expect_rejected(R"("t1")", "expected a JSON object"); }
  SECTION("missing id") { expect_rejected(R"({"status":"creating","pid":1})", "\"id\" is missing"); }
  SECTION("id not a string") { expect_rejected(R"({"id":42,"pid":1})", "\"id\" is not a string"); }
  SECTION("id null") { expect_rejected(R"({"id":null,"pid":1})", "\"id\" is not a string"); }
  SECTION("empty id") { expect_rejected(with_id(""), "\"id\" is empty"); }
  SECTION("id with a slash") { expect_rejected(with_id("a/b"), "has a character other than"); }
  SECTION("id ..") { expect_rejected(with_id(".."), "not a valid container id"); }
  SECTION("id .") { expect_rejected(with_id("."), "not a valid container id"); }
  SECTION("id with a newline") { expect_rejected(with_id("a\\nb"), "\\x0a"); }
  SECTION("id with an escape character") { expect_rejected(with_id("a\\u001bb"), "\\x1b"); }
  SECTION("id with a space") { expect_rejected(with_id("a b"), "has a character other than"); }
  SECTION("id over 255 characters") { expect_rejected(with_id(std::string(256, 'a')), "longer than 255"); }
  SECTION("pid a float") { expect_rejected(R"({"id":"t1","pid":1.5})", "\"pid\" is not an integer"); }
  SECTION("pid a string") { expect_rejected(R"({"id":"t1","pid":"2391"})", "\"pid\" is not an integer"); }
  SECTION("pid a boolean") { expect_rejected(R"({"id":"t1","pid":true})", "\"pid\" is not an integer"); }
  SECTION("negative pid") { expect_rejected(R"({"id":"t1","pid":-1})", "\"pid\" -1 is out of range"); }
  SECTION("huge pid") { expect_rejected(R"({"id":"t1","pid":99999999999})", "out of range"); }
  SECTION("pid beyond 64-bit signed") {
    expect_rejected(R"({"id":"t1","pid":18446744073709551615})", "\"pid\" 18446744073709551615 is out of range");
  }
  SECTION("status not a string") { expect_rejected(R"({"id":"t1","status":1})", "\"status\""); }
  SECTION("bundle not a string") { expect_rejected(R"({"id":"t1","bundle":[]})", "\"bundle\""); }
  SECTION("annotations not an object") {
    expect_rejected(R"({"id":"t1","annotations":["a","b"]})", "\"annotations\" is not an object");
  }
  SECTION("annotation value not a string") {
    expect_rejected(R"({"id":"t1","annotations":{"netns-hook.ip":1}})",
                    "annotation \"netns-hook.ip\" is not a string");
  }
}

TEST_CASE("input over 1 MiB is refused before parsing", "[oci_state]") {
  const std::string head = R"({"id":"t1","pid":1,"pad":")";
  const std::string tail = R"("})";
  // Exactly the limit is fine; one byte more is not.
  std::string at_limit = head + std::string(nh::input::kMaxStateBytes - head.size() - tail.size(), 'x') + tail;
  REQUIRE(at_limit.size() == nh::input::kMaxStateBytes);
  CHECK(nh::input::parse_state(at_limit).id == "t1");
  std::string over = head + std::string(nh::input::kMaxStateBytes - head.size() - tail.size() + 1, 'x') + tail;
  expect_rejected(over, "larger than 1048576 bytes");
}

TEST_CASE("netns-hook's own annotations are bounded; others are not ours to judge", "[oci_state]") {
  auto with = [](const std::string& key, std::size_t n) {
    return R"({"id":"t1","status":"creating","pid":1,"annotations":{")" + key + R"(":")" + std::string(n, '1') + R"("}})";
  };
  CHECK(nh::input::parse_state(with("netns-hook.ports", nh::input::kMaxAnnotationBytes)).annotations.size() == 1);
  expect_rejected(with("netns-hook.ports", nh::input::kMaxAnnotationBytes + 1),
                  "annotation \"netns-hook.ports\" is longer than 16384 bytes");
  CHECK(nh::input::parse_state(with("io.podman.annotations.label", 100000)).annotations.size() == 1);
}

TEST_CASE("an id that looks like a temporary file of the state directory is refused", "[oci_state]") {
  CHECK_THROWS_WITH(nh::input::validate_container_id("c.tmp.99999", "check", "the id"), Catch::Contains("contains \".tmp.\""));
  CHECK_NOTHROW(nh::input::validate_container_id("c.tmp", "check", "the id"));
  CHECK_NOTHROW(nh::input::validate_container_id("tmp.1", "check", "the id"));
}
