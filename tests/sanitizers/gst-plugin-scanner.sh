#!/bin/bash
# GStreamer's plugin scanner for the sanitizer build (GST_PLUGIN_SCANNER_1_0).
# The system scanner is not instrumented, so it cannot dlopen our
# ASan-built plugins unless the ASan runtime is preloaded. It only reads
# plugin metadata: leak checking is off here and stays on in the tests.
SCANNER="$(pkg-config --variable=pluginscannerdir gstreamer-1.0)/gst-plugin-scanner"
export LD_PRELOAD="$(gcc -print-file-name=libasan.so) $(gcc -print-file-name=libubsan.so)${LD_PRELOAD:+ $LD_PRELOAD}"
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
exec "$SCANNER" "$@"
