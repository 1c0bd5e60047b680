// The backends by name, and "none", for hosts that manage their firewall
// elsewhere.
#include "lib/base/error.hpp"
#include "lib/firewall/firewall.hpp"
#include "lib/firewall/iptables/backend.hpp"
#include "lib/firewall/nftables/backend.hpp"

namespace nh::firewall {

namespace {

class NoFirewall final : public Firewall {
 public:
  std::string name() const override { return "none"; }
  std::size_t apply(const Change&) override { return 0; }
  std::vector<std::string> missing(const Change&) override { return {}; }
  std::vector<std::string> remove_stale_ports(const StaleSnapshot&, bool) override {
    return {};
  }
};

}  // namespace

std::unique_ptr<Firewall> make_firewall(const std::string& backend) {
  if (backend == "none") return std::make_unique<NoFirewall>();
  if (backend == "iptables") return iptables::make_backend();
  if (backend == "nftables") return nftables::make_backend();
  throw base::Error::input("firewall backend \"" + backend + "\"", "unknown (expected iptables, nftables or none)");
}

}  // namespace nh::firewall
