#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# gen-plugins-cache.py: rewrite docs/plugins/gst_plugins_cache.json (the
# GStreamer-style documentation cache) from the plugins of a build tree,
# leaving the pages in docs/ alone. Debian ships no
# gst-plugins-doc-cache-generator; this is scripts/gen-element-docs.py with
# --no-pages, which see.
#
#     /usr/bin/python3 scripts/gen-plugins-cache.py --build-dir build

import importlib.util
import os
import sys

here = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location(
    'gen_element_docs', os.path.join(here, 'gen-element-docs.py'))
gen = importlib.util.module_from_spec(spec)
spec.loader.exec_module(gen)
sys.exit(gen.main(sys.argv[1:] + ['--no-pages']))
