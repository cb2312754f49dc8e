// SPDX-License-Identifier: MIT
// tlspolicyd_loadgen: drives a policy server like many Postfix smtpd processes.
//
//   tlspolicyd_loadgen --target unix:PATH|inet:HOST:PORT [--connections N]
//       [--pipeline D] [--duration SECONDS | --requests N] [--seed S] [--idle]
//       [--hostile PERCENT] [--smtpd]
//
// Opens N connections and keeps D requests in flight on each (Postfix itself
// keeps one), for a duration or a number of requests. Requests are realistic
// Postfix 3.7 requests, all 29 attributes, drawn from a seeded mix of senders,
// clients and TLS parameters (mostly TLS 1.3 and 1.2, some old TLS, weak
// ciphers, plaintext and AUTH), each sending host keeping its own TLS but for a
// rare downgrade. Prints one line of key=value results: requests,
// requests per second, latency percentiles in microseconds (from sending a
// request to reading its answer), errors, and the count of each answer word.
// --idle: opens the connections, sends one request on each, prints "idle" and
// holds them open until stdin closes (for memory measurements).
// --hostile P: in P% of its turns a connection sends something no Postfix would
// instead of a request: a line without '=', a NUL byte, an overlong line or too
// many attributes (the server must close without an answer), or half a request
// or a whole one and then it hangs up itself; then it reconnects. The result line
// adds hostile=N (closed as they must be) and reconnects=N. Every well-formed
// request still needs exactly one answer.
// --smtpd: each connection has a thread of its own that writes a request and
// blocks reading its answer, as each of Postfix's smtpd processes does; every
// answer then wakes a sleeping client, the way it does in a real Postfix. Without
// it, one thread multiplexes every connection with epoll (the cheapest client
// there is: the server's cost shows most). --smtpd keeps one request in flight.
// Exit 0 unless a connection failed or an answer was missing.
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <deque>
#include <iostream>
#include <map>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

struct Options {
  std::string target;
  int connections = 100;
  int pipeline = 1;
  double duration = 5;
  long requests = 0;  // 0: by duration
  unsigned seed = 42;
  bool idle = false;
  int hostile = 0;  // percent of turns that send something no Postfix would
  bool smtpd = false;  // a blocking thread per connection
};

// A pool of distinct, realistic requests.
std::vector<std::string> make_requests(unsigned seed, std::size_t count) {
  std::mt19937 rng(seed);
  const char* domains[] = {"partner-bank.com", "law-firm.com",    "example.org", "mail.example.net",
                           "news.example",     "shop.example.com", "gmail.com",   "outlook.com"};
  struct Tls {
    const char* protocol;
    const char* cipher;
    const char* bits;
    int weight;
  };
  const Tls tls[] = {{"TLSv1.3", "TLS_AES_256_GCM_SHA384", "256", 45},
                     {"TLSv1.3", "TLS_AES_128_GCM_SHA256", "128", 15},
                     {"TLSv1.2", "ECDHE-RSA-AES256-GCM-SHA384", "256", 20},
                     {"TLSv1.2", "AES128-SHA", "128", 4},
                     {"TLSv1", "ECDHE-RSA-AES256-SHA", "256", 3},
                     {"", "", "0", 13}};
  std::vector<int> weights;
  for (const auto& t : tls) weights.push_back(t.weight);
  std::discrete_distribution<int> pick_tls(weights.begin(), weights.end());
  std::uniform_int_distribution<int> pick_domain(0, 7), pick_ip(1, 254), pick_port(1024, 65000), percent(0, 99);
  // The sending hosts: 17 per domain, each with its own address and the TLS it
  // always negotiates (as real MTAs do); 1 request in 100 from a host with TLS
  // arrives in plaintext, a downgrade for the TLS history to notice.
  struct Host {
    std::string address;
    const Tls* tls;
  };
  std::vector<Host> hosts;
  for (int h = 0; h < 8 * 17; ++h) {
    hosts.push_back(Host{"198.51.100." + std::to_string(pick_ip(rng)), &tls[static_cast<std::size_t>(pick_tls(rng))]});
  }
  const Tls& plaintext = tls[std::size(tls) - 1];
  std::vector<std::string> out;
  for (std::size_t i = 0; i < count; ++i) {
    const std::size_t d = static_cast<std::size_t>(pick_domain(rng));
    const std::string domain = domains[d];
    const Host& host = hosts[d * 17 + i % 17];
    const Tls& t = percent(rng) == 0 ? plaintext : *host.tls;
    const bool auth = percent(rng) < 5;
    const bool submission = auth && percent(rng) < 80;
    const std::string& client = host.address;
    std::string r;
    auto add = [&](const char* name, const std::string& value) { r.append(name).append("=").append(value).append("\n"); };
    add("request", "smtpd_access_policy");
    add("protocol_state", "RCPT");
    add("protocol_name", "ESMTP");
    add("client_address", client);
    add("client_name", "mx" + std::to_string(i % 17) + "." + domain);
    add("client_port", std::to_string(pick_port(rng)));
    add("reverse_client_name", "mx" + std::to_string(i % 17) + "." + domain);
    add("server_address", "192.0.2.25");
    add("server_port", submission ? "587" : "25");
    add("helo_name", "mx" + std::to_string(i % 17) + "." + domain);
    add("sender", "user" + std::to_string(i % 97) + "@" + domain);
    add("recipient", "rcpt" + std::to_string(i % 31) + "@example.test");
    add("recipient_count", "0");
    add("queue_id", "");
    add("instance", std::to_string(1000 + i) + ".6b0b28e2.c9e51.0");
    add("size", std::to_string(1000 + i % 50000));
    add("etrn_domain", "");
    add("stress", "");
    add("sasl_method", auth ? "PLAIN" : "");
    add("sasl_username", auth ? "user" + std::to_string(i % 13) : "");
    add("sasl_sender", "");
    add("ccert_subject", "");
    add("ccert_issuer", "");
    add("ccert_fingerprint", "");
    add("ccert_pubkey_fingerprint", "");
    add("encryption_protocol", t.protocol);
    add("encryption_cipher", t.cipher);
    add("encryption_keysize", t.bits);
    add("policy_context", submission ? "submission" : "");
    r.append("\n");
    out.push_back(std::move(r));
  }
  return out;
}

int connect_to(const std::string& target) {
  int fd = -1;
  if (target.starts_with("unix:")) {
    fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un sa{};
    sa.sun_family = AF_UNIX;
    std::strncpy(sa.sun_path, target.c_str() + 5, sizeof sa.sun_path - 1);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
      ::close(fd);
      return -1;
    }
  } else if (target.starts_with("inet:")) {
    const std::string rest = target.substr(5);
    const auto colon = rest.rfind(':');
    std::string host = rest.substr(0, colon);
    if (host.starts_with('[')) host = host.substr(1, host.size() - 2);
    addrinfo hints{};
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* res = nullptr;
    if (::getaddrinfo(host.c_str(), rest.substr(colon + 1).c_str(), &hints, &res) != 0) return -1;
    fd = ::socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    const int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (::connect(fd, res->ai_addr, res->ai_addrlen) != 0) {
      ::close(fd);
      fd = -1;
    }
    ::freeaddrinfo(res);
  }
  if (fd >= 0) ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
  return fd;
}

struct Conn {
  int fd = -1;
  std::deque<Clock::time_point> sent;  // send times of the requests in flight
  std::string in;
  std::string out;
  std::size_t next = 0;  // index into the request pool
  bool expect_close = false;  // sent something the server must refuse by closing
};

// What a hostile turn sends, and whether the server must close on it.
struct Hostile {
  std::string bytes;
  bool server_closes;
};

std::vector<Hostile> hostile_payloads(const std::string& good) {
  std::string many;
  for (int i = 0; i < 200; ++i) many += "x_attr" + std::to_string(i) + "=1\n";
  return {
      {"GET / HTTP/1.0\r\nHost: policy\r\n\r\n", true},
      {std::string("request=smtpd_access_policy\nsender=a\0b@x\n\n", 42), true},
      {"request=smtpd_access_policy\nsender=" + std::string(70000, 'x') + "\n\n", true},
      {many + "\n", true},
      {good.substr(0, good.size() / 2), false},  // then hangs up mid-request
      {good, false},                             // then hangs up before reading the answer
  };
}

// Latencies in microseconds: exact up to 100 ms, counted above; constant memory.
class Histogram {
 public:
  void add(std::uint64_t us) {
    ++counts_[std::min<std::uint64_t>(us, counts_.size() - 1)];
    ++total_;
    max_ = std::max(max_, us);
  }
  [[nodiscard]] std::uint64_t total() const { return total_; }
  [[nodiscard]] std::uint64_t max() const { return max_; }
  [[nodiscard]] std::uint64_t percentile(double p) const {
    if (total_ == 0) return 0;
    const auto rank = static_cast<std::uint64_t>(p * static_cast<double>(total_));
    std::uint64_t seen = 0;
    for (std::size_t i = 0; i < counts_.size(); ++i) {
      seen += counts_[i];
      if (seen > rank) return i == counts_.size() - 1 ? max_ : i;
    }
    return max_;
  }

 private:
  std::vector<std::uint64_t> counts_ = std::vector<std::uint64_t>(100'001);
  std::uint64_t total_ = 0;
  std::uint64_t max_ = 0;
};

// The result line (see the header).
void print_result(long received, double seconds, const Histogram& latencies, long errors) {
  std::printf("requests=%ld seconds=%.3f rps=%.0f p50_us=%llu p90_us=%llu p99_us=%llu p999_us=%llu max_us=%llu errors=%ld",
              received, seconds, static_cast<double>(latencies.total()) / seconds,
              static_cast<unsigned long long>(latencies.percentile(0.5)),
              static_cast<unsigned long long>(latencies.percentile(0.9)),
              static_cast<unsigned long long>(latencies.percentile(0.99)),
              static_cast<unsigned long long>(latencies.percentile(0.999)),
              static_cast<unsigned long long>(latencies.max()), errors);
}

void print_answers(const std::map<std::string, long>& answers) {
  for (const auto& [word, count] : answers) std::printf(" answer_%s=%ld", word.c_str(), count);
  std::printf("\n");
}

// The answer's first word ("DUNNO", "530", ...).
std::string answer_word(const std::string& answer) {
  const std::size_t from = answer.starts_with("action=") ? 7 : 0;
  const auto end = answer.find(' ', from);
  return answer.substr(from, end == std::string::npos ? std::string::npos : end - from);
}

// --smtpd: a blocking thread per connection. Returns the exit status.
int run_smtpd(const Options& o, const std::vector<std::string>& pool) {
  std::vector<int> fds;
  for (int i = 0; i < o.connections; ++i) {
    const int fd = connect_to(o.target);
    if (fd < 0) {
      std::fprintf(stderr, "cannot connect to %s: %s\n", o.target.c_str(), std::strerror(errno));
      return 1;
    }
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK);
    fds.push_back(fd);
  }
  std::mutex mutex;  // guards everything below it
  Histogram latencies;
  std::map<std::string, long> answers;
  long received = 0, errors = 0;
  std::atomic<long> sent{0};
  const auto start = Clock::now();
  const auto stop_at = start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o.duration));
  auto client = [&](std::size_t index) {
    const int fd = fds[index];
    std::size_t next = index * 7919 % pool.size();
    std::vector<std::uint64_t> took;  // flushed into `latencies` now and then: constant memory
    std::map<std::string, long> words;
    long got = 0, failed = 0;
    std::string in;
    char buf[4096];
    auto publish = [&] {
      std::lock_guard lock(mutex);
      for (std::uint64_t us : took) latencies.add(us);
      took.clear();
    };
    for (;;) {
      if (o.requests > 0 ? sent.fetch_add(1) >= o.requests : Clock::now() >= stop_at) break;
      const std::string& r = pool[next];
      next = (next + 1) % pool.size();
      const auto sent_at = Clock::now();
      if (::write(fd, r.data(), r.size()) != static_cast<ssize_t>(r.size())) {
        ++failed;
        break;
      }
      std::size_t end;
      while ((end = in.find("\n\n")) == std::string::npos) {
        const ssize_t n = ::read(fd, buf, sizeof buf);
        if (n <= 0) break;
        in.append(buf, static_cast<std::size_t>(n));
      }
      if (end == std::string::npos) {
        ++failed;  // the server closed the connection
        break;
      }
      took.push_back(static_cast<std::uint64_t>(
          std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - sent_at).count()));
      ++words[answer_word(in.substr(0, end))];
      in.erase(0, end + 2);
      ++got;
      if (took.size() == 1024) publish();
    }
    publish();
    std::lock_guard lock(mutex);
    received += got;
    errors += failed;
    for (const auto& [w, n] : words) answers[w] += n;
  };
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < fds.size(); ++i) threads.emplace_back(client, i);
  for (auto& t : threads) t.join();
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  for (int fd : fds) ::close(fd);
  print_result(received, seconds, latencies, errors);
  print_answers(answers);
  return errors == 0 && static_cast<long>(latencies.total()) == received ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "%s needs a value\n", a.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--target") o.target = value();
    else if (a == "--connections") o.connections = std::stoi(value());
    else if (a == "--pipeline") o.pipeline = std::stoi(value());
    else if (a == "--duration") o.duration = std::stod(value());
    else if (a == "--requests") o.requests = std::stol(value());
    else if (a == "--seed") o.seed = static_cast<unsigned>(std::stoul(value()));
    else if (a == "--idle") o.idle = true;
    else if (a == "--hostile") o.hostile = std::stoi(value());
    else if (a == "--smtpd") o.smtpd = true;
    else {
      std::fprintf(stderr, "usage: tlspolicyd_loadgen --target unix:PATH|inet:HOST:PORT [--connections N] "
                           "[--pipeline D] [--duration S | --requests N] [--seed S] [--idle] [--hostile PERCENT] [--smtpd]\n");
      return 2;
    }
  }
  if (o.smtpd && (o.pipeline != 1 || o.idle || o.hostile > 0)) {
    std::fprintf(stderr, "--smtpd keeps one request in flight and sends only good requests\n");
    return 2;
  }
  ::signal(SIGPIPE, SIG_IGN);  // a closed connection is an error to count, not the end
  const auto pool = make_requests(o.seed, 4096);
  if (o.smtpd) return run_smtpd(o, pool);
  std::vector<Conn> conns(static_cast<std::size_t>(o.connections));
  const int ep = ::epoll_create1(EPOLL_CLOEXEC);
  for (std::size_t i = 0; i < conns.size(); ++i) {
    conns[i].fd = connect_to(o.target);
    if (conns[i].fd < 0) {
      std::fprintf(stderr, "cannot connect to %s: %s\n", o.target.c_str(), std::strerror(errno));
      return 1;
    }
    conns[i].next = i * 7919 % pool.size();
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = i;
    ::epoll_ctl(ep, EPOLL_CTL_ADD, conns[i].fd, &ev);
  }

  Histogram latencies;
  std::map<std::string, long> answers;
  long sent = 0, received = 0, errors = 0, hostile_closed = 0, reconnects = 0;
  const auto payloads = hostile_payloads(pool[0]);
  std::mt19937 dice(o.seed);
  std::uniform_int_distribution<int> percent(0, 99);
  std::uniform_int_distribution<std::size_t> pick_payload(0, payloads.size() - 1);
  auto watch = [&](std::size_t i) {
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = i;
    ::epoll_ctl(ep, EPOLL_CTL_ADD, conns[i].fd, &ev);
  };
  auto reconnect = [&](std::size_t i) {
    Conn& c = conns[i];
    ::close(c.fd);  // closing also drops it from epoll
    c.fd = connect_to(o.target);
    c.in.clear();
    c.out.clear();
    c.expect_close = false;
    ++reconnects;
    if (c.fd < 0) {
      ++errors;
      return false;
    }
    watch(i);
    return true;
  };
  const long limit = o.idle ? static_cast<long>(conns.size()) : o.requests;
  auto may_send = [&] { return limit == 0 || sent < limit; };
  auto send = [&](Conn& c) {
    const std::string& r = pool[c.next];
    c.next = (c.next + 1) % pool.size();
    c.out.append(r);
    c.sent.push_back(Clock::now());
    ++sent;
  };
  // A hostile turn, for a connection with nothing in flight. False when the
  // connection is unusable.
  auto send_hostile = [&](std::size_t i) {
    Conn& c = conns[i];
    const Hostile& h = payloads[pick_payload(dice)];
    c.out.append(h.bytes);
    if (h.server_closes) {
      c.expect_close = true;
      return true;
    }
    // Written (as far as the socket takes it), then gone.
    (void)::write(c.fd, c.out.data(), c.out.size());
    return reconnect(i);
  };
  auto flush = [&](Conn& c) {
    while (!c.out.empty()) {
      const ssize_t n = ::write(c.fd, c.out.data(), c.out.size());
      // A server that closes on hostile bytes may do so before it has read them all.
      if (n < 0 && c.expect_close && (errno == EPIPE || errno == ECONNRESET)) return true;
      if (n <= 0) return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
      c.out.erase(0, static_cast<std::size_t>(n));
    }
    return true;
  };

  const auto start = Clock::now();
  const auto stop_at = start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o.duration));
  for (auto& c : conns) {
    for (int d = 0; d < (o.idle ? 1 : o.pipeline) && may_send(); ++d) send(c);
    if (!flush(c)) ++errors;
  }
  epoll_event events[256];
  bool running = true;
  while (running) {
    const bool done_sending = !may_send() || (limit == 0 && Clock::now() >= stop_at);
    if (done_sending && received >= sent) break;
    const int n = ::epoll_wait(ep, events, 256, 1000);
    for (int k = 0; k < n; ++k) {
      Conn& c = conns[events[k].data.u64];
      char buf[65536];
      const ssize_t got = ::read(c.fd, buf, sizeof buf);
      if (got <= 0) {
        if (got < 0 && (errno == EAGAIN || errno == EINTR)) continue;
        if (c.expect_close && c.in.empty() && (got == 0 || errno == ECONNRESET)) {  // refused, as it must be
          ++hostile_closed;
          const std::size_t i = events[k].data.u64;
          if (!reconnect(i)) continue;
          const bool go_on = limit == 0 ? Clock::now() < stop_at : may_send();
          if (go_on) send(conns[i]);
          if (!flush(conns[i])) ++errors;
          continue;
        }
        ++errors;  // the server closed a connection
        ::epoll_ctl(ep, EPOLL_CTL_DEL, c.fd, nullptr);
        received += static_cast<long>(c.sent.size());  // never coming
        c.sent.clear();
        if (std::all_of(conns.begin(), conns.end(), [](const Conn& x) { return x.sent.empty(); }) && !may_send()) running = false;
        continue;
      }
      c.in.append(buf, static_cast<std::size_t>(got));
      std::size_t pos;
      const auto now = Clock::now();
      while ((pos = c.in.find("\n\n")) != std::string::npos) {
        std::string answer = c.in.substr(0, pos);
        c.in.erase(0, pos + 2);
        if (c.sent.empty() || c.expect_close) {
          ++errors;  // an answer to nothing, or to what had to be refused
          continue;
        }
        latencies.add(static_cast<std::uint64_t>(
            std::chrono::duration_cast<std::chrono::microseconds>(now - c.sent.front()).count()));
        c.sent.pop_front();
        ++received;
        ++answers[answer_word(answer)];
        const bool go_on = limit == 0 ? Clock::now() < stop_at : may_send();
        if (go_on && !o.idle) {
          if (o.hostile > 0 && c.sent.empty() && percent(dice) < o.hostile) {
            if (!send_hostile(events[k].data.u64)) break;
            if (conns[events[k].data.u64].expect_close) break;  // nothing more on it
          }
          send(conns[events[k].data.u64]);
        }
      }
      if (!flush(conns[events[k].data.u64])) ++errors;
    }
  }
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();

  if (o.idle) {
    std::printf("idle connections=%zu answered=%ld errors=%ld\n", conns.size(), received, errors);
    std::fflush(stdout);
    char c;
    while (::read(STDIN_FILENO, &c, 1) > 0) {
    }
    return errors == 0 ? 0 : 1;
  }
  print_result(received, seconds, latencies, errors);
  if (o.hostile > 0) std::printf(" hostile=%ld reconnects=%ld", hostile_closed, reconnects);
  print_answers(answers);
  return errors == 0 && static_cast<long>(latencies.total()) == sent ? 0 : 1;
}
