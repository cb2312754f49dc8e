// SPDX-License-Identifier: MIT
// placement: every check_policy_service that one smtpd service evaluates, what
// Postfix evaluates before it, and at which SMTP stage it is asked.
//
// The restriction lists are read as Postfix reads them for the service ("$name"
// expanded, its -o overrides on top of main.cf). A restriction class
// (smtpd_restriction_classes) named in a list is walked where it is named. A
// class that no list names, but that a lookup table can return (a check_*_access
// in the same list), is walked as reached through that table: doctor cannot read
// tables, so such a placement is conditional (via_table). Limits: a class returned
// by a policy service is not followed; classes nest at most 20 deep; which keys of
// a table lead to a class is unknown.
#pragma once

#include <array>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "doctor/endpoint.h"
#include "doctor/postconf.h"

namespace tlspolicyd::doctor {

// The restriction lists that can ask a policy service, in Postfix's order.
inline constexpr std::array<const char*, 7> RestrictionLists = {
    "smtpd_client_restrictions", "smtpd_helo_restrictions",      "smtpd_sender_restrictions",
    "smtpd_relay_restrictions",  "smtpd_recipient_restrictions", "smtpd_data_restrictions",
    "smtpd_end_of_data_restrictions"};

// When smtpd evaluates a list (its protocol_state in the policy request).
enum class Stage { Connect, Helo, Mail, Rcpt, Data, EndOfMessage };
[[nodiscard]] std::string_view to_string(Stage stage);  // "CONNECT", "HELO/EHLO", ... "END-OF-MESSAGE"

// With smtpd_delay_reject = yes (the default) the client, HELO and sender lists
// run at each RCPT, with the recipient; with no, at CONNECT, HELO/EHLO and MAIL.
[[nodiscard]] Stage stage_of(std::string_view list, bool delay_reject);

struct Placement {
  std::string list;                             // "smtpd_recipient_restrictions"
  ListItem item;                                // check_policy_service's argument, and the parameter holding it
  PolicyEndpoint endpoint;
  std::map<std::string, std::string> settings;  // its { name=value } settings
  std::vector<std::string> before;              // what Postfix evaluates before it, classes expanded
  std::string via_class;                        // the restriction class it is in, or empty
  std::string via_table;                        // conditional: the lookup(s) that may return via_class
};

// Whether the next list item is the argument of `item` (check_*_access TABLE,
// check_policy_service ENDPOINT, reject_rbl_client DOMAIN, ...), not a restriction.
[[nodiscard]] bool takes_argument(std::string_view item);

[[nodiscard]] std::vector<Placement> find_placements(const PostfixConfig& postfix, const Service* service);

// The inet: hosts named by check_policy_service anywhere in `postfix` (for the
// caller to resolve).
[[nodiscard]] std::vector<std::string> policy_hosts(const PostfixConfig& postfix);

}  // namespace tlspolicyd::doctor
