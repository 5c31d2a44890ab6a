#!/usr/bin/env bash
# `pnpm start [project] [args…]` (project: a folder under projects/, in-memory by default; args go to the server,
# e.g. `--role bff` for graphql-kafka): builds the project's server to projects/<project>/dist/main.js, then
# replaces this shell with `node` running it, so signals (Ctrl-C, SIGTERM, SIGKILL) reach the server itself.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
project="${1:-in-memory}"
shift || true
# The build step runs TypeScript through tsx; the server does not.
node --import tsx shell/tooling/src/start.ts "$project"
exec node "projects/$project/dist/main.js" "$@"
