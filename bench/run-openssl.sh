#!/bin/sh
# Measures ECDSA P-256 (the ES256 curve) and Ed25519 signing and verification in OpenSSL, as a native
# baseline beside the JMH figures. Each test runs for the given number of seconds (default 3).
set -eu

seconds="${1:-3}"
if ! command -v openssl >/dev/null 2>&1; then
    echo "run-openssl.sh: openssl not found on PATH (expected: OpenSSL 3.x)" >&2
    exit 1
fi
openssl version
exec openssl speed -seconds "$seconds" ecdsap256 ed25519
