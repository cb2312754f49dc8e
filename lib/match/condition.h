// SPDX-License-Identifier: MIT
// condition: a rule's `match:` as a tree of predicates.
//
// All (every child holds; the keys of one map), Any (`any: [...]`, one child
// holds), Not (`not: {...}`), or one key. An empty All holds (a rule without
// `match` applies to every request); an All of one child is built as that child.
// explain() says why the tree held or not, in terms of the first key that decided
// it. matches() is three-valued (regex.h): Error when a /regex/ gave up and the
// rest of the tree does not decide without it (All: a child that does not hold
// decides; Any: a child that holds decides; Not keeps an Error).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "match/key_matcher.h"

namespace tlspolicyd::match {

class Condition {
 public:
  static Condition all(std::vector<Condition> children);
  static Condition any(std::vector<Condition> children);
  static Condition negate(Condition child);
  static Condition key(std::shared_ptr<const KeyMatcher> matcher);

  [[nodiscard]] Found matches(const protocol::Request& request) const;
  // "sender_domain \"x.example\" matches list:partners" and the like.
  [[nodiscard]] std::string explain(const protocol::Request& request) const;
  // True when a key on `field` appears anywhere in the tree.
  [[nodiscard]] bool uses(Field field) const;
  [[nodiscard]] bool empty() const { return kind_ == Kind::All && children_.empty(); }

 private:
  enum class Kind { All, Any, Not, Key };

  Kind kind_ = Kind::All;
  std::vector<Condition> children_;
  std::shared_ptr<const KeyMatcher> key_;
};

}  // namespace tlspolicyd::match
