//===- latency_stats.cpp - Summarising benchmark timings ------------------===//

#include "latency_stats.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace kiln::tools {

LatencyStats summarizeLatencies(std::vector<double> samples) {
  LatencyStats stats;
  if (samples.empty())
    return stats;
  std::sort(samples.begin(), samples.end());
  const size_t n = samples.size();
  stats.min = samples.front();
  stats.max = samples.back();
  stats.mean = std::accumulate(samples.begin(), samples.end(), 0.0) /
               static_cast<double>(n);
  stats.median =
      n % 2 ? samples[n / 2] : (samples[n / 2 - 1] + samples[n / 2]) / 2;
  // Nearest-rank percentile.
  size_t rank = static_cast<size_t>(std::ceil(0.9 * static_cast<double>(n)));
  stats.p90 = samples[std::max<size_t>(rank, 1) - 1];
  return stats;
}

} // namespace kiln::tools
