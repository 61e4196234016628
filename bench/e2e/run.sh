#!/usr/bin/env sh
# End-to-end benchmark of the Magento orders → Kafka → NetSuite flow against
# the sandbox (issue 8), beside a plain stream doing only its two mappings.
#
#   bench/e2e/run.sh                 # 1,000 then 5,000 orders
#   ORDERS="2000" bench/e2e/run.sh   # other sizes, space-separated
#
# Builds datawald and the helper (bench/e2e) into a temporary directory, then
# for each size starts `datawald sandbox` (netsuite and magento, no latency,
# no faults, rate-limit profile none), an in-memory Kafka (kfake) and the
# flow's two halves as separate `datawald run` processes with a fresh SQLite
# sync-task store; it waits until every order is settled (S, or I for the
# canceled and closed ones the flow skips), checks NetSuite holds
# exactly one sales order per order sent (S), samples CPU (user + system) and
# peak RSS (VmHWM) of every process, then runs the plain stream and prints
# both with their ratios. Everything it starts stops by itself; the helper
# gives up after TIMEOUT (default 10m), or when the store's counts stop
# moving for a minute. Extra helper flags go in E2E_FLAGS, e.g.
#   E2E_FLAGS="-keep"                keep the work directory (logs, store, configs)
#   E2E_FLAGS="-store postgres"      a fresh PostgreSQL database as the store
#   E2E_FLAGS="-keep -cpuprofile 15s" CPU profiles of source and target
#   E2E_FLAGS="-partitions 1"        partitions of the backbone topic
# The flows' own environment passes through (e.g. NETSUITE_CONCURRENCY_LIMIT=4:
# with --rate-limit-profile none the simulator reports an account limit of 0,
# which the NetSuite client reads as 1 request in flight).
set -eu
cd "$(dirname "$0")/../.."
bin=$(mktemp -d "${TMPDIR:-/tmp}/datawald-bench-e2e-bin.XXXXXX")
trap 'rm -rf "$bin"' EXIT INT TERM
go build -o "$bin/datawald" .
go build -o "$bin/e2e" ./bench/e2e
for n in ${ORDERS:-1000 5000}; do
	# shellcheck disable=SC2086 # E2E_FLAGS is a list of flags
	"$bin/e2e" -datawald "$bin/datawald" -orders "$n" -timeout "${TIMEOUT:-10m}" ${E2E_FLAGS:-}
	echo
done
