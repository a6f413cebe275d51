#!/usr/bin/env bash
# Prometheus importer integration test: installs Debian's prometheus and
# prometheus-node-exporter if missing, then runs the Go test that starts
# both on loopback (free ports, temporary config and storage, not systemd),
# imports 15 s of samples in-process and checks them against the kernel's
# counters at the moments node_exporter read them (build tag realtime; make
# test-realtime runs it with the other real-time comparisons). It needs
# stress-ng too.
set -euo pipefail
cd "$(dirname "$0")/.."
need=()
command -v prometheus >/dev/null 2>&1 || need+=(prometheus)
command -v prometheus-node-exporter >/dev/null 2>&1 || need+=(prometheus-node-exporter)
command -v stress-ng >/dev/null 2>&1 || need+=(stress-ng)
if [ ${#need[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # A policy-rc.d that refuses keeps the packages' services from starting:
  # the test runs its own processes on loopback.
  made_policy=
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d && made_policy=1
  fi
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  if [ -n "$made_policy" ]; then rm -f /usr/sbin/policy-rc.d; fi
fi
export PATH="$PATH:/usr/local/go/bin"
CI=1 go test -tags realtime -count=1 -run 'TestPrometheusIntegration' -v ./collect/importer/
