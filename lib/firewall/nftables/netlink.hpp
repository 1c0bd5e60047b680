#pragma once
// The nf_tables netlink interface through libmnl and libnftnl: dumps of one
// table's objects, the ruleset's generation id, and atomic batches.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

struct mnl_socket;
struct nlmsghdr;

namespace nh::firewall::nftables {

class NftSocket {
 public:
  // Throws naming the failure: a kernel without nf_tables says so here.
  static NftSocket open();

  // The ruleset's generation id: a batch sent with it is refused (ERESTART)
  // when anything changed the ruleset since.
  std::uint32_t generation();

  // Runs a request whose answer is a list of messages (a dump, or one object);
  // `each` sees every message. ENOENT (no such table or set) is not an error:
  // it returns false. A dump the ruleset changed under (NLM_F_DUMP_INTR) is
  // read to its end, then thrown as an Error with nftables_errno() EINTR:
  // what was seen is inconsistent, and the caller starts over.
  bool query(const std::function<nlmsghdr*(char* buf, std::uint32_t seq)>& build,
             const std::function<void(const nlmsghdr*)>& each, const std::string& what);

  // One batch, applied whole or not at all. `add` is called to append each
  // message (it gets a buffer and a sequence number, returns the header it
  // wrote). Returns the errno of the kernel's refusal, 0 when applied.
  class Batch {
   public:
    explicit Batch(std::uint32_t generation);
    void add(const std::function<nlmsghdr*(char* buf, std::uint32_t seq)>& build);
    std::size_t messages() const { return count_; }

   private:
    friend class NftSocket;
    void finish();
    std::vector<char> buf_;
    std::size_t used_ = 0;
    std::uint32_t seq_;
    std::size_t count_ = 0;
  };
  int send(Batch& batch);

 private:
  struct Free {
    void operator()(mnl_socket* s) const noexcept;
  };
  explicit NftSocket(mnl_socket* s);
  std::unique_ptr<mnl_socket, Free> sock_;
  std::uint32_t portid_ = 0;
  std::uint32_t seq_ = 1;
};

// Builds the message of `type` for `family` with libnftnl's header: buf, seq -> header.
nlmsghdr* message(char* buf, std::uint16_t type, std::uint16_t family, std::uint16_t flags, std::uint32_t seq);

}  // namespace nh::firewall::nftables
