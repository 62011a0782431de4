#!/bin/sh
# Builds the optional native ristretto255 backend (native/build/kruispunt_ristretto255.node)
# against the system libsodium (Debian: apt-get install libsodium-dev) and Node's headers.
# Optional: without a C compiler, libsodium-dev or Node's headers it prints why and exits 0,
# and @kruispunt/blind falls back to libsodium-wrappers-sumo (WebAssembly).
cd "$(dirname "$0")" || exit 0
CC="${CC:-cc}"
NODE_INCLUDE="${NODE_INCLUDE:-$(dirname "$(dirname "$(command -v node)")")/include/node}"
[ -f "$NODE_INCLUDE/node_api.h" ] || NODE_INCLUDE=/usr/include/node
if ! command -v "$CC" >/dev/null 2>&1; then
  echo "@kruispunt/blind: no C compiler ($CC); using the WebAssembly backend"; exit 0
fi
if [ ! -f "$NODE_INCLUDE/node_api.h" ]; then
  echo "@kruispunt/blind: no Node headers (node_api.h); using the WebAssembly backend"; exit 0
fi
if [ ! -f /usr/include/sodium/crypto_scalarmult_ristretto255.h ] && ! pkg-config --exists libsodium 2>/dev/null; then
  echo "@kruispunt/blind: libsodium-dev is not installed; using the WebAssembly backend"; exit 0
fi
mkdir -p build
if "$CC" -O2 -fPIC -shared -Wall -Wextra -std=c11 -DNAPI_VERSION=8 \
  -DNODE_GYP_MODULE_NAME=kruispunt_ristretto255 -I"$NODE_INCLUDE" \
  -o build/kruispunt_ristretto255.node ristretto255.c -lsodium; then
  echo "@kruispunt/blind: built the native ristretto255 backend (system libsodium)"
else
  rm -f build/kruispunt_ristretto255.node
  echo "@kruispunt/blind: native build failed; using the WebAssembly backend"
fi
exit 0
