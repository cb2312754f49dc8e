// SPDX-License-Identifier: MIT
// downgrade_settings: the `downgrade:` section (SPEC 3 and 6), parsed and checked.
//
// Without the section no TLS history is kept. Defaults: store
// lmdb:/var/lib/tlspolicyd/history, key [sender_domain, client], retention 90d,
// min_observations 3, mode observe, action a 4xx defer, no exemptions, 100 000
// cached keys, a 200ms wait for a record not in memory, a key downgraded for 3d
// rebaselined. The store's address and the key's parts are history's vocabulary
// (history/store_address.h, history/key.h); this section only holds them.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "history/key.h"
#include "history/store_address.h"
#include "match/condition.h"
#include "policy/action.h"
#include "policy/mode.h"

namespace tlspolicyd::config {

struct DowngradeSettings {
  history::StoreAddress store = history::StoreAddress::lmdb(history::DefaultLmdbPath);
  std::vector<history::KeyPart> key = history::DefaultKey;
  std::chrono::seconds retention{90 * 86400};
  std::uint32_t min_observations = 3;
  policy::Mode mode = policy::Mode::Observe;
  policy::Action action;  // the loader sets the default defer
  match::Condition exempt;  // requests never flagged (forwarders, known-broken peers); empty: none
  bool has_exempt = false;
  std::size_t cache_entries = 100000;  // keys kept in memory
  // How long a request whose key is not in memory waits for the store's record
  // before it is answered without history (0: never waits).
  std::chrono::milliseconds lookup_timeout{200};
  // A key whose every transaction has been a downgrade for this long is
  // rebaselined (history/tracker.h; 0: never). Shorter than Postfix's 5-day
  // maximal_queue_lifetime, so a peer that lost its TLS is not locked out for good.
  std::chrono::seconds rebaseline_after{3 * 86400};
};

inline constexpr const char* DefaultDowngradeAction =
    "defer 4.7.0 Possible TLS downgrade: ${client} used stronger TLS before; please try again later";

}  // namespace tlspolicyd::config
