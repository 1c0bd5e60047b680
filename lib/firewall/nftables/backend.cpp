#include "lib/firewall/nftables/backend.hpp"

#include <sys/random.h>

#include <algorithm>
#include <cerrno>
#include <ctime>
#include <cstring>
#include <functional>
#include <map>
#include <optional>
#include <set>

#include "lib/base/error.hpp"
#include "lib/base/log.hpp"
#include "lib/firewall/nftables/build.hpp"
#include "lib/firewall/nftables/netlink.hpp"
#include "lib/firewall/nftables/ruleset.hpp"

namespace nh::firewall::nftables {

using base::Error;

namespace {

// A batch computed against a ruleset that changed before it was applied is
// refused whole (the generation check): read again and retry, boundedly.
constexpr int kAttempts = 8;

struct Plan {
  bool make_table = false;
  std::vector<const Chain*> chains;
  std::vector<const PortMap*> maps;
  std::vector<Rule> add_rules;
  std::vector<std::pair<std::string, std::uint64_t>> delete_rules;  // (chain, handle)
  std::vector<Element> add_elements, delete_elements;
  std::vector<std::string> lines;  // what it adds, as text (only when missing() asks)

  bool empty() const {
    return !make_table && chains.empty() && maps.empty() && add_rules.empty() && delete_rules.empty() &&
           add_elements.empty() && delete_elements.empty();
  }
  std::size_t changes() const {
    return add_rules.size() + delete_rules.size() + add_elements.size() + delete_elements.size();
  }
};

// What `change` needs done, given the table as it is; with `describe`, also
// as text (missing()).
Plan plan(NftSocket& sock, const Change& change, bool describe = false) {
  Plan p;
  auto line = [&](const std::function<std::string()>& text) {
    if (describe) p.lines.push_back(text());
  };
  const bool adds = !change.ensure_networks.empty() || !change.add_ports.empty();
  std::vector<Rule> wanted = adds ? global_rules() : std::vector<Rule>{};
  for (const auto& n : change.ensure_networks) {
    auto rows = network_rules(n);
    wanted.insert(wanted.end(), rows.begin(), rows.end());
  }
  // A teardown (ports to remove, no rule wanted or removed) reads nothing
  // but its elements, looked up below: a missing table or map answers "none".
  // The common setup, on a network whose rules are in place, reads the rules
  // alone (one dump instead of four); the whole table only when something is
  // missing.
  TableState st;
  if (wanted.empty() && change.remove_networks.empty()) {
    st.exists = true;
    for (const auto& m : port_maps()) st.maps.insert(m.name);
  } else {
    st = read_rules(sock);
    bool complete = st.exists;
    for (const auto& r : wanted) complete = complete && st.rules.count(r.comment);
    if (complete) {
      for (const auto& m : port_maps()) st.maps.insert(m.name);  // the dnat rules that look them up are there
      for (const auto& c : chains()) st.chains.insert(c.name);   // so are the chains the rules jump to
    } else {
      st = read_table(sock);
    }
  }
  if (adds) {
    if (!st.exists) {
      p.make_table = true;
      line([] { return "add table inet " + std::string(kTable); });
    }
    for (const auto& c : chains())
      if (!st.chains.count(c.name)) {
        p.chains.push_back(&c);
        line([&] { return "add chain inet " + std::string(kTable) + " " + c.name; });
      }
    for (const auto& m : port_maps())
      if (!st.maps.count(m.name)) {
        p.maps.push_back(&m);
        line([&] { return "add map inet " + std::string(kTable) + " " + m.name; });
      }
  }
  std::set<std::string> seen;
  for (auto& r : wanted) {
    if (st.rules.count(r.comment) || !seen.insert(r.comment).second) continue;
    line([&] { return "add rule inet " + std::string(kTable) + " " + r.chain + " " + to_nft(r); });
    p.add_rules.push_back(std::move(r));
  }
  for (const auto& n : change.remove_networks)
    for (const auto& r : network_rules(n))
      if (auto it = st.rules.find(r.comment); it != st.rules.end())
        p.delete_rules.emplace_back(it->second.chain, it->second.handle);

  // Elements: looked up one by one, so a setup's cost does not grow with
  // the ports other containers publish.
  for (const auto& ports : change.add_ports)
    for (auto& e : port_elements(ports)) {
      if (st.exists && st.maps.count(e.map))
        if (auto found = find_element(sock, e.map, e.key)) {
          if (found->comment == e.comment && found->data == e.data) continue;
          // Another element for this key: the port index gave the port to
          // this container, so it is a stale one (a teardown killed half
          // way, a lost state directory). Traffic must not go there.
          p.delete_elements.push_back(std::move(*found));
        }
      line([&] { return "add element inet " + std::string(kTable) + " " + e.map + " { " + e.text + " }"; });
      p.add_elements.push_back(std::move(e));
    }
  if (st.exists)
    for (const auto& ports : change.remove_ports)
      for (auto& e : port_elements(ports)) {
        if (!st.maps.count(e.map)) continue;
        // Only its own element: one with another container's comment is not ours to take.
        auto found = find_element(sock, e.map, e.key);
        if (found && found->comment == e.comment) p.delete_elements.push_back(std::move(e));
      }
  return p;
}

void fill(NftSocket::Batch& b, const Plan& p) {
  if (p.make_table) add_table(b);
  for (const Chain* c : p.chains) add_chain(b, *c);
  for (const PortMap* m : p.maps) add_map(b, *m);
  for (const auto& [chain, handle] : p.delete_rules) delete_rule(b, chain, handle);
  for (const auto& r : p.add_rules) add_rule(b, r);
  std::map<std::string, std::vector<const Element*>> adds, deletes;
  for (const auto& e : p.add_elements) adds[e.map].push_back(&e);
  for (const auto& e : p.delete_elements) deletes[e.map].push_back(&e);
  for (const auto& [map, list] : deletes) delete_elements(b, map, list);
  for (const auto& [map, list] : adds) add_elements(b, map, list);
}

// Whether a failure means the ruleset changed under the run: a batch
// computed against an older generation (ERESTART; EBUSY and EAGAIN while
// another commit is in progress) or a dump interrupted by a change (EINTR).
bool changed_under_us(int err) { return err == ERESTART || err == EBUSY || err == EAGAIN || err == EINTR; }

// Runs `attempt` (read, plan, send) until it goes through, starting over
// from a fresh read when the ruleset changed under it; boundedly.
template <class F>
auto retrying(const std::string& what, F&& attempt) {
  for (int n = 1;; ++n) {
    try {
      return attempt();
    } catch (const Error& e) {
      const auto err = e.nftables_errno();
      if (!err || !changed_under_us(*err)) throw;
      if (n == kAttempts)
        throw Error(what, "the ruleset kept changing under it (" + std::to_string(kAttempts) + " attempts)",
                    Error::Kind::kNftables, *err);
      base::log_debug("nftables ruleset changed under us (" + std::string(std::strerror(*err)) + "); retrying");
      // Others committing at the same moment (parallel starts, a busy
      // firewall manager) would collide again if all retried at once: wait a
      // random while, longer each time (0.25 to 16 ms).
      unsigned r = 0;
      (void)!::getrandom(&r, sizeof r, GRND_NONBLOCK);
      const long us = 250L * (1L << std::min(n, 6)) * (r % 1000 + 1) / 1000;
      const timespec pause{0, us * 1000};
      ::nanosleep(&pause, nullptr);
    }
  }
}

// Sends the batch of `p`, computed against `generation`.
void send(NftSocket& sock, std::uint32_t generation, const Plan& p, const std::string& what) {
  NftSocket::Batch batch(generation);
  fill(batch, p);
  if (const int err = sock.send(batch)) throw Error(what, std::strerror(err), Error::Kind::kNftables, err);
}

// One socket for the backend's life, closed when it goes: closing an
// nf_tables socket waits for the kernel to free what the last commit
// deleted (an RCU grace period, ~10 ms), so a teardown that removes its
// elements, then deletes veths, keeps the backend until the end and finds
// the grace period over by then.
class Backend final : public Firewall {
 public:
  std::string name() const override { return "nftables"; }

  std::size_t apply(const Change& change) override {
    if (change.empty()) return 0;
    NftSocket& sock = socket();
    const std::string what = "apply the nftables batch to inet " + std::string(kTable);
    return retrying(what, [&]() -> std::size_t {
      const std::uint32_t generation = sock.generation();
      Plan p = plan(sock, change);
      if (p.empty()) return 0;  // everything in place: no batch at all
      send(sock, generation, p, what);
      return p.changes();
    });
  }

  std::vector<std::string> missing(const Change& change) override {
    if (change.empty()) return {};
    NftSocket& sock = socket();
    return retrying("read inet " + std::string(kTable), [&] { return plan(sock, change, true).lines; });
  }

  std::vector<std::string> remove_stale_ports(const StaleSnapshot& snapshot, bool dry_run) override {
    NftSocket& sock = socket();
    const std::string prefix = port_tag("");
    const std::string what = "remove stale elements of inet " + std::string(kTable);
    return retrying(what, [&]() -> std::vector<std::string> {
      const std::uint32_t generation = sock.generation();
      std::set<std::string> ids;
      Plan p;
      std::vector<Element> found;  // (a missing table or map lists none)
      for (const auto& m : port_maps())
        for (auto& e : dump_elements(sock, m.name)) found.push_back(std::move(e));
      // The records, read after these elements (and again on a retry).
      const auto stale = snapshot();
      for (auto& e : found) {
        if (e.comment.rfind(prefix, 0) != 0) continue;
        std::string id = e.comment.substr(prefix.size());
        if (!stale(id)) continue;
        ids.insert(id);
        p.delete_elements.push_back(std::move(e));
      }
      if (!dry_run && !p.empty()) send(sock, generation, p, what);
      return {ids.begin(), ids.end()};
    });
  }

 private:
  NftSocket& socket() {
    if (!sock_) sock_.emplace(NftSocket::open());
    return *sock_;
  }
  std::optional<NftSocket> sock_;
};

}  // namespace

std::unique_ptr<Firewall> make_backend() { return std::make_unique<Backend>(); }

}  // namespace nh::firewall::nftables
