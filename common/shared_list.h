// An immutable list shared by its copies (copy-on-write): the agent's view, its kept desired
// state and the snapshots it derives hold the same member list of a network once, not once
// each (at 1M memberships a copy of the member ids was ~80 MB of the agent's peak).
// Reading never copies; the mutators copy first when another holder shares the list.
#pragma once
#include <cstddef>
#include <initializer_list>
#include <memory>
#include <utility>
#include <vector>

namespace sandnet {

template <typename T>
class SharedList {
 public:
  using value_type = T;
  using const_iterator = typename std::vector<T>::const_iterator;
  using iterator = const_iterator;  // no writes through iterators: they would bypass the copy
  using size_type = size_t;

  SharedList() = default;
  SharedList(std::vector<T> items)  // NOLINT: a list is built as a vector and handed over
      : items_(items.empty() ? nullptr : std::make_shared<std::vector<T>>(std::move(items))) {}
  SharedList(std::initializer_list<T> items) : SharedList(std::vector<T>(items)) {}

  const std::vector<T>& vec() const { return items_ ? *items_ : none(); }
  const_iterator begin() const { return vec().begin(); }
  const_iterator end() const { return vec().end(); }
  size_t size() const { return items_ ? items_->size() : 0; }
  bool empty() const { return size() == 0; }
  const T& operator[](size_t i) const { return vec()[i]; }
  const T& back() const { return vec().back(); }

  void push_back(T item) { own().push_back(std::move(item)); }
  void pop_back() { own().pop_back(); }
  void erase(const_iterator at) {
    auto offset = at - begin();
    auto& items = own();
    items.erase(items.begin() + offset);
  }

  // Equal content; one shared list is equal without a walk.
  friend bool operator==(const SharedList& a, const SharedList& b) {
    return a.items_ == b.items_ || a.vec() == b.vec();
  }
  friend bool operator==(const SharedList& a, const std::vector<T>& b) { return a.vec() == b; }

 private:
  static const std::vector<T>& none() {
    static const std::vector<T> none;
    return none;
  }
  // The list to change, copied first unless this holder is its only one.
  std::vector<T>& own() {
    if (!items_ || items_.use_count() > 1)
      items_ = std::make_shared<std::vector<T>>(items_ ? *items_ : std::vector<T>{});
    return *items_;
  }

  // A count of 1 means no other holder can appear meanwhile (a copy needs this object, which
  // its owner does not share while changing it); a stale higher count costs one extra copy.
  std::shared_ptr<std::vector<T>> items_;
};

}  // namespace sandnet
