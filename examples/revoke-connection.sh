#!/usr/bin/env bash
# Stop serving a connection now (the store is removed; the Connection is kept, Ready=False Revoked):
kubectl patch connection "${1:?connection name}" -n "${2:-team-a}" --type merge -p '{"spec":{"revoked":true}}'
