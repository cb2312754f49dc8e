// SPDX-License-Identifier: MIT
// sockets: tlspolicyd's sockets as smtpd would use them (the facts come from
// the caller): missing, not accepting, not answering a test request (hung), or
// closed to Postfix's mail_owner. The
// fixes follow the shipped layout: the socket directory root:tlspolicyd
// 1770, the socket 0660 group tlspolicyd, and the postfix user in group
// tlspolicyd. smtpd takes its groups with initgroups() when it starts, so a
// running one keeps its old groups: `postfix reload` makes them exit when idle,
// and the new ones have the group.
#include "doctor/checks.h"

namespace tlspolicyd::doctor::detail {
namespace {

std::string reload_note() {
  return "postfix reload (smtpd takes its groups when it starts: after the reload the running smtpd processes exit "
         "when idle, and new ones have the group)";
}

Finding access_finding(const SocketFacts& s) {
  const std::string reach = "Postfix cannot reach " + s.endpoint + ": ";
  const std::string bits = " (mode " + s.mode + ", group " + s.group + ")";
  switch (s.access) {
    case SocketAccess::NotSocket:
      return {Severity::Error, reach + s.path + " is not a socket",
              "see what " + s.path + " is and remove it, then systemctl restart tlspolicyd (it creates the socket)"};
    case SocketAccess::NoGroup:
      return {Severity::Error,
              reach + "the " + s.user + " user may not write to " + s.path + bits + ": " + s.user +
                  " is not in group " + s.group,
              s.group == "tlspolicyd"
                  ? "adduser " + s.user + " tlspolicyd, then " + reload_note()
                  : "use tlspolicyd's group: socket: { mode: \"0660\", group: tlspolicyd } in tlspolicyd.yaml, "
                    "systemctl restart tlspolicyd, adduser " + s.user + " tlspolicyd, then " + reload_note()};
    case SocketAccess::NoWrite:
      return {Severity::Error, reach + "the " + s.user + " user may not write to " + s.path + bits,
              "socket: { mode: \"0660\", group: " + s.group + " } in tlspolicyd.yaml, then systemctl restart tlspolicyd"};
    case SocketAccess::ClosedDirectory: {
      // Only the socket's own directory is tlspolicyd's to open; a directory
      // further up (/root, /var/lib) is someone else's: move the socket.
      const std::string socket_path = s.endpoint.substr(s.endpoint.find(':') + 1);
      const bool own = socket_path.rfind('/') != std::string::npos && socket_path.substr(0, socket_path.rfind('/')) == s.path;
      std::string fix;
      if (!own) {
        fix = "move the socket into a directory of tlspolicyd's that " + s.user +
              " may search, such as the package's /var/spool/postfix/tlspolicyd (listen: in tlspolicyd.yaml)";
      } else if (s.in_group) {
        fix = "chmod g+x " + shell_quote(s.path);
      } else {
        fix = "chgrp tlspolicyd " + shell_quote(s.path) + " && chmod g+x " + shell_quote(s.path) + ", adduser " +
              s.user + " tlspolicyd, then " + reload_note();
      }
      return {Severity::Error, reach + "the " + s.user + " user may not search the directory " + s.path + bits, fix};
    }
    case SocketAccess::Ok: break;
  }
  return {Severity::Info, "", ""};
}

}  // namespace

void check_sockets(const Inputs& in, std::vector<Finding>& out) {
  for (const auto& s : in.sockets) {
    if (s.missing) {
      out.push_back({Severity::Error,
                     "nothing listens on " + s.endpoint + ": the socket does not exist; is tlspolicyd running?",
                     "systemctl start tlspolicyd (its log says why it stopped)"});
    } else if (s.access != SocketAccess::Ok) {
      out.push_back(access_finding(s));
    } else if (!s.accepting) {
      out.push_back({Severity::Error, "nothing accepts connections on " + s.endpoint + ": is tlspolicyd running?",
                     "systemctl start tlspolicyd (or check its log)"});
    } else if (!s.answering) {
      out.push_back({Severity::Error,
                     "tlspolicyd accepts connections on " + s.endpoint + " but did not answer a test request within " +
                         std::to_string(ProbeTimeoutSeconds) +
                         " s: it is hung or overloaded; Postfix waits its timeout= (twice: it tries again) and then "
                         "applies its default_action",
                     "systemctl restart tlspolicyd (journalctl -u tlspolicyd may say why)"});
    }
  }
}

}  // namespace tlspolicyd::doctor::detail
