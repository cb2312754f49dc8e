// SPDX-License-Identifier: MIT
// config_fuzz: the configuration loader on arbitrary text. It must never throw or
// crash, give either a configuration or errors (each "FILE:LINE:COLUMN: ..."
// or naming a file), and a configuration it accepts must answer real Postfix
// requests validly (fuzz_checks.h). Relative file: lists resolve under a
// directory that does not exist.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "config/config_loader.h"
#include "fuzz_checks.h"
#include "protocol/request_parser.h"

using namespace tlspolicyd;

namespace {

// Three real requests: TLS 1.2 with a cipher, plaintext with AUTH, a client certificate.
constexpr std::string_view Requests =
    "request=smtpd_access_policy\nprotocol_state=RCPT\nclient_address=192.0.2.7\nclient_name=mx.example.org\n"
    "helo_name=mx.example.org\nsender=a@example.org\nrecipient=b@example.net\nserver_port=25\n"
    "encryption_protocol=TLSv1.2\nencryption_cipher=ECDHE-RSA-AES256-GCM-SHA384\nencryption_keysize=256\n"
    "instance=1.2.3\n\n"
    "request=smtpd_access_policy\nprotocol_state=RCPT\nclient_address=2001:db8::5\nsender=\nrecipient=c@x\n"
    "sasl_method=PLAIN\nsasl_username=u\nserver_port=587\npolicy_context=submission\n\n"
    "request=smtpd_access_policy\nprotocol_state=END-OF-MESSAGE\nclient_address=198.51.100.1\n"
    "ccert_subject=mx.partner.example\nccert_issuer=CA\nccert_fingerprint=AB:CD\n"
    "ccert_pubkey_fingerprint=EF:01\nencryption_protocol=TLSv1.3\nencryption_cipher=TLS_AES_128_GCM_SHA256\n"
    "encryption_keysize=128\n\n";

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string path = "/nonexistent-tlspolicyd-fuzz/fuzz.yaml";
  const auto result = config::load_config_text(std::string_view(reinterpret_cast<const char*>(data), size), path);
  fuzz::check((result.config == nullptr) != result.errors.empty());
  for (const auto& e : result.errors) fuzz::check(!e.file.empty() && !e.message.empty() && e.line >= 0);
  if (!result.config) return 0;
  protocol::RequestParser parser;
  parser.append(Requests);
  protocol::Request request;
  while (parser.next(request) == protocol::ParseStatus::Complete) fuzz::check_decision(result.config->policy, request);
  return 0;
}
