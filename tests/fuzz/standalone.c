/* gst-pgsm
 * Copyright (C) 2026 gst-pgsm contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* Replays files (or every file of directories) through
 * LLVMFuzzerTestOneInput, without libFuzzer: the seed corpus and any crash
 * found earlier become a regression test with any compiler. */

#include <stdint.h>
#include <stdio.h>
#include <glib.h>

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const uint8_t * data, size_t size);

static guint
run_file (const gchar * path)
{
  gchar *data = NULL;
  gsize len = 0;
  GError *err = NULL;

  if (!g_file_get_contents (path, &data, &len, &err)) {
    g_printerr ("%s: %s\n", path, err->message);
    g_error_free (err);
    return 1;
  }
  LLVMFuzzerTestOneInput ((const uint8_t *) data, len);
  g_free (data);
  return 0;
}

int
main (int argc, char **argv)
{
  guint failures = 0, inputs = 0;
  int i;

  LLVMFuzzerInitialize (&argc, &argv);
  for (i = 1; i < argc; i++) {
    if (g_file_test (argv[i], G_FILE_TEST_IS_DIR)) {
      GDir *dir = g_dir_open (argv[i], 0, NULL);
      const gchar *name;

      while (dir && (name = g_dir_read_name (dir)) != NULL) {
        gchar *path = g_build_filename (argv[i], name, NULL);

        failures += run_file (path);
        inputs++;
        g_free (path);
      }
      if (dir)
        g_dir_close (dir);
    } else {
      failures += run_file (argv[i]);
      inputs++;
    }
  }
  printf ("%u inputs replayed, %u unreadable\n", inputs, failures);
  return failures == 0 && inputs > 0 ? 0 : 1;
}
