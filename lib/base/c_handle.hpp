#pragma once
// Move-only owners of C library objects (libnl, libnftnl): a unique_ptr
// whose deleter is the library's own free function, known at compile time,
// so an owner is one pointer wide and a null one frees nothing.
#include <memory>

namespace nh::base {

template <auto Free>
struct FreeWith {
  template <class T>
  void operator()(T* p) const noexcept {
    if (p) Free(p);
  }
};

// CHandle<nftnl_rule, nftnl_rule_free> r(nftnl_rule_alloc());
template <class T, auto Free>
using CHandle = std::unique_ptr<T, FreeWith<Free>>;

}  // namespace nh::base
