// SPDX-License-Identifier: MIT
// tls_settings: Postfix's own TLS settings of one smtpd service that work against
// tlspolicyd: AUTH offered before STARTTLS; on port 25, mandatory TLS (RFC 3207
// forbids it on a public MX) or a protocol floor (refused senders retry in
// plaintext). main.cf alone stands for port 25.
#include "doctor/checks.h"

namespace tlspolicyd::doctor::detail {

void check_tls_settings(const ServiceView& view, std::vector<Finding>& out) {
  const bool sasl = view.get("smtpd_sasl_auth_enable").value_or("no") == "yes";
  const std::string auth_only = view.get("smtpd_tls_auth_only").value_or("no");
  const std::string wrapper = view.get("smtpd_tls_wrappermode").value_or("no");
  if (sasl && auth_only != "yes" && wrapper != "yes") {
    out.push_back({Severity::Warning,
                   view.label + ": AUTH is offered before STARTTLS (smtpd_sasl_auth_enable=yes, smtpd_tls_auth_only=" +
                       auth_only + "): passwords can cross the network in plaintext",
                   "set smtpd_tls_auth_only = yes"});
  }
  if (!view.port_25) return;
  const std::string level = view.get("smtpd_tls_security_level").value_or("");
  if (level == "encrypt") {
    out.push_back({Severity::Error,
                   view.label + ": smtpd_tls_security_level=encrypt on port 25: a public MX must not require TLS of "
                                "everyone (RFC 3207); senders without TLS cannot reach you at all",
                   "use smtpd_tls_security_level = may and require TLS per sender, recipient or client with tlspolicyd "
                   "rules"});
  }
  const std::string protocols = view.get("smtpd_tls_protocols").value_or("");
  const bool floor = protocols.find("!TLSv1") != std::string::npos || protocols.find(">=TLSv1.1") != std::string::npos ||
                     protocols.find(">=TLSv1.2") != std::string::npos || protocols.find(">=TLSv1.3") != std::string::npos;
  if (floor) {
    out.push_back({Severity::Warning,
                   view.label + ": smtpd_tls_protocols = " + protocols +
                       " refuses old TLS at the handshake: those senders retry in plaintext, which is worse",
                   "keep smtpd_tls_protocols = >=TLSv1 on port 25 and require TLS 1.2 per peer with tlspolicyd "
                   "(min_protocol)"});
  }
}

}  // namespace tlspolicyd::doctor::detail
