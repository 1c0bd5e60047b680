#include "lib/firewall/nftables/netlink.hpp"

#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <libnftnl/common.h>
#include <libnftnl/gen.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <exception>

#include "lib/base/c_handle.hpp"
#include "lib/base/error.hpp"

namespace nh::firewall::nftables {

using base::Error;

namespace {

Error nft_error(const std::string& what, int err) { return Error(what, std::strerror(err), Error::Kind::kNftables, err); }

// Room for one message: libnftnl writes into the buffer it is given without
// knowing its size, so each message gets a generous slot.
constexpr std::size_t kMessageRoom = 64 << 10;

}  // namespace

void NftSocket::Free::operator()(mnl_socket* s) const noexcept { mnl_socket_close(s); }

NftSocket::NftSocket(mnl_socket* s) : sock_(s), portid_(mnl_socket_get_portid(s)) {}

NftSocket NftSocket::open() {
  mnl_socket* s = mnl_socket_open(NETLINK_NETFILTER);
  if (!s) {
    const int err = errno;
    throw nft_error("open the nf_tables netlink socket", err);
  }
  std::unique_ptr<mnl_socket, Free> owned(s);
  if (mnl_socket_bind(s, 0, MNL_SOCKET_AUTOPID) < 0) {
    const int err = errno;
    throw nft_error("bind the nf_tables netlink socket", err);
  }
  return NftSocket(owned.release());
}

nlmsghdr* message(char* buf, std::uint16_t type, std::uint16_t family, std::uint16_t flags, std::uint32_t seq) {
  return nftnl_nlmsg_build_hdr(buf, type, family, flags, seq);
}

bool NftSocket::query(const std::function<nlmsghdr*(char*, std::uint32_t)>& build,
                      const std::function<void(const nlmsghdr*)>& each, const std::string& what) {
  std::vector<char> buf(std::max<std::size_t>(MNL_SOCKET_BUFFER_SIZE, kMessageRoom));
  const std::uint32_t seq = seq_++;
  nlmsghdr* nlh = build(buf.data(), seq);
  if (mnl_socket_sendto(sock_.get(), nlh, nlh->nlmsg_len) < 0) {
    const int err = errno;
    throw nft_error(what, err);
  }
  // An exception must not unwind through libmnl's C frames, and the rest of
  // the answer must still be read off the socket: keep the first one and
  // rethrow it once the answer is complete.
  struct Ctx {
    const std::function<void(const nlmsghdr*)>* each;
    std::exception_ptr failure;
  } ctx{&each, nullptr};
  auto cb = [](const nlmsghdr* n, void* data) -> int {
    auto* c = static_cast<Ctx*>(data);
    if (c->failure) return MNL_CB_OK;
    try {
      (*c->each)(n);
    } catch (...) {
      c->failure = std::current_exception();
    }
    return MNL_CB_OK;
  };
  bool interrupted = false;
  for (;;) {
    ssize_t n = mnl_socket_recvfrom(sock_.get(), buf.data(), buf.size());
    if (n < 0) {
      const int err = errno;
      if (err == EINTR) continue;
      throw nft_error(what, err);
    }
    // libmnl stops at a message flagged NLM_F_DUMP_INTR (errno EINTR); the
    // rest of the dump still has to be read off the socket, or the next
    // request would read it as its answer.
    bool done = false;
    int left = static_cast<int>(n);
    for (auto* m = reinterpret_cast<nlmsghdr*>(buf.data()); mnl_nlmsg_ok(m, left); m = mnl_nlmsg_next(m, &left)) {
      if (m->nlmsg_flags & NLM_F_DUMP_INTR) interrupted = true;
      if (m->nlmsg_type == NLMSG_DONE || m->nlmsg_type == NLMSG_ERROR || !(m->nlmsg_flags & NLM_F_MULTI)) done = true;
    }
    if (interrupted) {
      if (done) throw nft_error(what, EINTR);
      continue;
    }
    int rc = mnl_cb_run(buf.data(), static_cast<std::size_t>(n), seq, portid_, cb, &ctx);
    if (rc == MNL_CB_STOP || rc < 0) {
      if (ctx.failure) std::rethrow_exception(ctx.failure);
    }
    if (rc == MNL_CB_STOP) return true;
    if (rc < 0) {
      const int err = errno;
      if (err == ENOENT) return false;
      throw nft_error(what, err);
    }
  }
}

std::uint32_t NftSocket::generation() {
  std::uint32_t id = 0;
  query([](char* buf, std::uint32_t seq) { return message(buf, NFT_MSG_GETGEN, AF_UNSPEC, NLM_F_ACK, seq); },
        [&](const nlmsghdr* n) {
          base::CHandle<nftnl_gen, nftnl_gen_free> gen(nftnl_gen_alloc());
          if (gen && nftnl_gen_nlmsg_parse(n, gen.get()) == 0) id = nftnl_gen_get_u32(gen.get(), NFTNL_GEN_ID);
        },
        "read the nftables ruleset's generation");
  return id;
}

NftSocket::Batch::Batch(std::uint32_t generation) : buf_(kMessageRoom), seq_(1) {
  // The batch's first message, with the generation it was computed against.
  auto* nlh = mnl_nlmsg_put_header(buf_.data());
  nlh->nlmsg_type = NFNL_MSG_BATCH_BEGIN;
  nlh->nlmsg_flags = NLM_F_REQUEST;
  nlh->nlmsg_seq = seq_++;
  auto* nfg = static_cast<nfgenmsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(nfgenmsg)));
  nfg->nfgen_family = AF_UNSPEC;
  nfg->version = NFNETLINK_V0;
  nfg->res_id = htons(NFNL_SUBSYS_NFTABLES);
  mnl_attr_put_u32(nlh, NFNL_BATCH_GENID, htonl(generation));
  used_ = nlh->nlmsg_len;
}

void NftSocket::Batch::add(const std::function<nlmsghdr*(char*, std::uint32_t)>& build) {
  if (buf_.size() - used_ < kMessageRoom) buf_.resize(buf_.size() * 2 + kMessageRoom);
  nlmsghdr* nlh = build(buf_.data() + used_, seq_++);
  used_ += MNL_ALIGN(nlh->nlmsg_len);
  ++count_;
}

void NftSocket::Batch::finish() {
  if (buf_.size() - used_ < kMessageRoom) buf_.resize(buf_.size() + kMessageRoom);
  nlmsghdr* nlh = nftnl_batch_end(buf_.data() + used_, seq_++);
  used_ += MNL_ALIGN(nlh->nlmsg_len);
}

int NftSocket::send(Batch& batch) {
  batch.finish();
  const int fd = mnl_socket_get_fd(sock_.get());
  // A large batch (a restore of many ports) needs a send buffer to match.
  int size = static_cast<int>(batch.used_) + (1 << 16);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof size);
  // An error reply carries only the header of the message it refuses, not
  // the whole message (an element message may hold 16 KiB): it fits.
  int on = 1;
  ::setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &on, sizeof on);
  if (mnl_socket_sendto(sock_.get(), batch.buf_.data(), batch.used_) < 0) return errno;
  // The kernel handles the batch within sendto: its errors, if any, are
  // queued by now (no message asked for an ack, so a success queues nothing).
  std::vector<char> buf(1 << 16);
  int first_error = 0;
  for (;;) {
    ssize_t n = ::recv(fd, buf.data(), buf.size(), MSG_DONTWAIT);
    if (n < 0) {
      const int err = errno;
      if (err == EINTR) continue;
      if (err == EAGAIN || err == EWOULDBLOCK) break;  // nothing more
      return first_error ? first_error : err;          // ENOBUFS: replies were lost; not a success
    }
    const auto* nlh = reinterpret_cast<const nlmsghdr*>(buf.data());
    int left = static_cast<int>(n);
    for (; mnl_nlmsg_ok(nlh, left); nlh = mnl_nlmsg_next(nlh, &left)) {
      if (nlh->nlmsg_type != NLMSG_ERROR) continue;
      const auto* e = static_cast<const nlmsgerr*>(mnl_nlmsg_get_payload(nlh));
      if (e->error != 0 && first_error == 0) first_error = -e->error;
    }
    if (left > 0 && first_error == 0) first_error = EPROTO;  // a reply cut short: assume the worst
  }
  return first_error;
}

}  // namespace nh::firewall::nftables
