// SPDX-License-Identifier: MIT
// process_metrics: the process collector's usual series, as Prometheus' client
// libraries name them, for the metrics page: process_cpu_seconds_total,
// process_resident_memory_bytes, process_virtual_memory_bytes,
// process_open_fds, process_max_fds, process_start_time_seconds.
//
// Read from /proc/self (stat, fd) and /proc/stat (the boot time) at each
// scrape, on the event loop: a few small reads. A series whose file cannot be
// read is left out, never guessed.
#pragma once

#include <string>

namespace tlspolicyd::daemon {

// Appends the series (HELP, TYPE and sample) to `out`.
void append_process_metrics(std::string& out);

}  // namespace tlspolicyd::daemon
