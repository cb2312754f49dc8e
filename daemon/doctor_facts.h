// SPDX-License-Identifier: MIT
// doctor_facts: what `tlspolicyd doctor` learns from the system for
// doctor::diagnose(), which may not look itself: tlspolicyd's sockets as
// Postfix's mail_owner would use them (its uid, its primary group and the
// supplementary groups initgroups() gives it, as smtpd's chroot_uid() does),
// whether the daemon answers a test request there (one request at CONNECT,
// from loopback over TLS 1.3: counted in the metrics, not in the history), and
// host names resolved as Postfix would (getaddrinfo). Limits: a name looked up
// here may resolve differently inside a chroot (its own etc/hosts); a group
// added to the user after smtpd started does not apply to that smtpd.
#pragma once

#include <string>
#include <vector>

#include "config/listen_address.h"
#include "doctor/doctor.h"

namespace tlspolicyd::daemon {

// One of tlspolicyd's sockets, judged for `user` (Postfix's mail_owner).
[[nodiscard]] doctor::SocketFacts socket_facts(const config::ListenAddress& address, const std::string& user);

// Each host with the addresses it resolves to, numeric; a host that does not
// resolve is left out.
[[nodiscard]] doctor::Resolved resolve_hosts(const std::vector<std::string>& hosts);

}  // namespace tlspolicyd::daemon
