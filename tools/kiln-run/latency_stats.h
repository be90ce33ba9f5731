//===- latency_stats.h - Summarising benchmark timings -------*- C++ -*-===//
#ifndef KILN_TOOLS_KILN_RUN_LATENCY_STATS_H
#define KILN_TOOLS_KILN_RUN_LATENCY_STATS_H

#include <vector>

namespace kiln::tools {

struct LatencyStats {
  double min = 0, mean = 0, median = 0, p90 = 0, max = 0; // milliseconds
};

/// `samples` in milliseconds; must not be empty. The median of an even
/// count is the mean of the two middle samples.
LatencyStats summarizeLatencies(std::vector<double> samples);

} // namespace kiln::tools

#endif // KILN_TOOLS_KILN_RUN_LATENCY_STATS_H
