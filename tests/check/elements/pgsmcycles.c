/* gst-pgsm
 * Copyright (C) 2026 gst-pgsm contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* NULL -> PLAYING -> NULL, CYCLES times, for an SRTP round trip pipeline
 * (pgsmsrtpenc ! pgsmsrtpdec) and for pgsmtlssrc against the in-process
 * TLS server. Each cycle waits until data really flowed (a decrypted buffer
 * reached the sink; the TLS payload arrived and EOS came). The open file
 * descriptors (/proc/self/fd) and threads (/proc/self/task) are counted
 * after a first warm-up cycle and again after the last one: they must not
 * grow beyond a small constant slack (GLib's thread pools keep a few idle
 * threads for a while; a leak grows with the number of cycles). */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gst/check/gstcheck.h>
#include <glib/gstdio.h>
#include <string.h>

#include "pki.h"
#include "tlsserver.h"

#define CYCLES 200
#define FD_SLACK 3
#define THREAD_SLACK 4
#define PAYLOAD "cycle payload\n"

static guint
count_entries (const gchar * path)
{
  GDir *dir = g_dir_open (path, 0, NULL);
  guint n = 0;

  fail_unless (dir != NULL, "cannot list %s", path);
  while (g_dir_read_name (dir))
    n++;
  g_dir_close (dir);
  return n;
}

static void
assert_stable (const gchar * what, guint fds0, guint threads0)
{
  guint fds = count_entries ("/proc/self/fd");
  guint threads = count_entries ("/proc/self/task");

  GST_INFO ("%s: fds %u -> %u, threads %u -> %u", what, fds0, fds,
      threads0, threads);
  fail_unless (fds <= fds0 + FD_SLACK, "%s: fds grew from %u to %u after %d "
      "cycles", what, fds0, fds, CYCLES);
  fail_unless (threads <= threads0 + THREAD_SLACK, "%s: threads grew from %u "
      "to %u after %d cycles", what, threads0, threads, CYCLES);
}

static GstMessage *
wait_done (GstBus * bus)
{
  GstMessage *msg = gst_bus_timed_pop_filtered (bus, 20 * GST_SECOND,
      GST_MESSAGE_ERROR | GST_MESSAGE_EOS);

  fail_unless (msg != NULL, "no EOS or ERROR within 20 s");
  if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR) {
    GError *err = NULL;
    gchar *debug = NULL;

    gst_message_parse_error (msg, &err, &debug);
    fail ("error: %s (%s)", err->message, debug);
  }
  return msg;
}

/* ------------------------------------------------------------------------ */

static void
handoff_cb (GstElement * sink, GstBuffer * buf, GstPad * pad, gpointer data)
{
  g_atomic_int_inc ((gint *) data);
}

static void
srtp_cycle (GstElement * pipeline, GstBus * bus, gint * received)
{
  GstMessage *msg;

  g_atomic_int_set (received, 0);
  fail_if (gst_element_set_state (pipeline, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE);
  /* num-buffers: the source ends, EOS crosses both SRTP elements */
  msg = wait_done (bus);
  gst_message_unref (msg);
  fail_unless (g_atomic_int_get (received) > 0, "nothing was decrypted");
  fail_unless_equals_int (gst_element_set_state (pipeline, GST_STATE_NULL),
      GST_STATE_CHANGE_SUCCESS);
}

GST_START_TEST (test_srtp_cycles)
{
  static const guint8 key[30] = { 0x3c, 0x1a, 0x77, 0x05, 0x91, 0xee, 0x20,
    0x48, 0x6b, 0xd2, 0x0f, 0x55, 0xa3, 0x19, 0xc8, 0x7e, 0x02, 0x94, 0x61,
    0xfb, 0x3d, 0x88, 0x10, 0x4c, 0xe7, 0x2a, 0x59, 0xb6, 0x73, 0x0d
  };
  GstElement *pipeline, *enc, *dec, *sink;
  GstBuffer *kb = gst_buffer_new_memdup (key, sizeof (key));
  GError *error = NULL;
  GstBus *bus;
  gint received = 0;
  guint fds0, threads0, i;

  pipeline = gst_parse_launch ("audiotestsrc num-buffers=5 "
      "samplesperbuffer=160 ! audio/x-raw,format=S16BE,rate=8000,channels=1 "
      "! rtpL16pay ! enc.rtp_sink_0 pgsmsrtpenc name=enc enc.rtp_src_0 ! "
      "dec.rtp_sink pgsmsrtpdec name=dec dec.rtp_src ! fakesink name=sink "
      "sync=false signal-handoffs=true", &error);
  fail_unless (pipeline != NULL, "%s", error ? error->message : "?");
  enc = gst_bin_get_by_name (GST_BIN (pipeline), "enc");
  dec = gst_bin_get_by_name (GST_BIN (pipeline), "dec");
  sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  g_object_set (enc, "key", kb, NULL);
  g_object_set (dec, "key", kb, NULL);
  g_signal_connect (sink, "handoff", G_CALLBACK (handoff_cb), &received);
  bus = gst_element_get_bus (pipeline);

  srtp_cycle (pipeline, bus, &received);        /* warm-up */
  fds0 = count_entries ("/proc/self/fd");
  threads0 = count_entries ("/proc/self/task");
  for (i = 1; i < CYCLES; i++)
    srtp_cycle (pipeline, bus, &received);
  assert_stable ("pgsmsrtpenc ! pgsmsrtpdec", fds0, threads0);

  gst_object_unref (bus);
  gst_object_unref (enc);
  gst_object_unref (dec);
  gst_object_unref (sink);
  gst_object_unref (pipeline);
  gst_buffer_unref (kb);
}

GST_END_TEST;

/* ------------------------------------------------------------------------ */

static void
tls_cycle (GstElement * pipeline, GstBus * bus, gint * received)
{
  GstMessage *msg;

  g_atomic_int_set (received, 0);
  fail_if (gst_element_set_state (pipeline, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE);
  msg = wait_done (bus);
  gst_message_unref (msg);
  fail_unless (g_atomic_int_get (received) > 0, "no data over TLS");
  fail_unless_equals_int (gst_element_set_state (pipeline, GST_STATE_NULL),
      GST_STATE_CHANGE_SUCCESS);
}

GST_START_TEST (test_tls_cycles)
{
  gchar *dir = g_dir_make_tmp ("pgsm-cycles-XXXXXX", NULL);
  PgsmTestPki *pki = pgsm_test_pki_new (dir);
  PgsmTestCert *cert = pgsm_test_pki_issue_server (pki, "cycles",
      "server.test");
  PgsmTestTlsServerOptions o = { 0, };
  PgsmTestTlsServer *server;
  GstElement *pipeline, *src, *sink;
  GstBus *bus;
  gint received = 0;
  guint fds0, threads0, i;

  o.chain_file = cert->chain_file;
  o.key_file = cert->key_file;
  o.payload = (const guint8 *) PAYLOAD;
  o.payload_len = strlen (PAYLOAD);
  server = pgsm_test_tls_server_new (&o);

  pipeline = gst_pipeline_new (NULL);
  src = gst_element_factory_make ("pgsmtlssrc", NULL);
  sink = gst_element_factory_make ("fakesink", NULL);
  fail_unless (src && sink);
  g_object_set (src, "host", "127.0.0.1", "port",
      (guint) pgsm_test_tls_server_get_port (server), "server-name",
      "server.test", "use-system-ca", FALSE, "ca-file", pki->root_ca_file,
      "timeout", 10, NULL);
  g_object_set (sink, "sync", FALSE, "signal-handoffs", TRUE, NULL);
  g_signal_connect (sink, "handoff", G_CALLBACK (handoff_cb), &received);
  gst_bin_add_many (GST_BIN (pipeline), src, sink, NULL);
  fail_unless (gst_element_link (src, sink));
  bus = gst_element_get_bus (pipeline);

  tls_cycle (pipeline, bus, &received);
  fds0 = count_entries ("/proc/self/fd");
  threads0 = count_entries ("/proc/self/task");
  for (i = 1; i < CYCLES; i++)
    tls_cycle (pipeline, bus, &received);
  assert_stable ("pgsmtlssrc", fds0, threads0);
  fail_unless_equals_int (pgsm_test_tls_server_get_handshakes (server), CYCLES);

  gst_object_unref (bus);
  gst_object_unref (pipeline);
  pgsm_test_tls_server_free (server);
  pgsm_test_cert_free (cert);
  pgsm_test_pki_free (pki);
  g_rmdir (dir);
  g_free (dir);
}

GST_END_TEST;

/* Resident memory, kB (VmRSS of /proc/self/status) */
static guint
rss_kb (void)
{
  gchar *status = NULL, *line;
  guint kb = 0;

  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL))
    return 0;
  line = strstr (status, "VmRSS:");
  if (line != NULL)
    kb = (guint) g_ascii_strtoull (line + 6, NULL, 10);
  g_free (status);
  return kb;
}

/* A listening pgsmsipbin (Sofia agent, its thread, TLS context, the
 * certificate directory) started and stopped CYCLES times: fds, threads
 * and resident memory stay where they were after the first cycle */
GST_START_TEST (test_sipbin_cycles)
{
  PgsmTestPki *pki = pgsm_test_pki_new_tmp ("pgsm-cycles-sip");
  PgsmTestCert *cert;
  GstElement *pipeline, *bin;
  GstElementFactory *f = gst_element_factory_find ("pgsmsipbin");
  guint fds0 = 0, threads0 = 0, rss0 = 0, rss, i, port = 0;

  if (f == NULL) {
    GST_WARNING ("pgsmsipbin not built, skipping");
    pgsm_test_pki_free (pki);
    return;
  }
  gst_object_unref (f);
  cert = pgsm_test_pki_issue_server (pki, "sip", "127.0.0.1");
  /* no call: nothing reaches the sink, which must not wait for preroll */
  pipeline = gst_parse_launch ("audiotestsrc is-live=true ! pgsmsipbin "
      "name=sip ! fakesink sync=false async=false", NULL);
  bin = gst_bin_get_by_name (GST_BIN (pipeline), "sip");
  g_object_set (bin, "listen-uri", "sips:127.0.0.1:0", "cert-file",
      cert->chain_file, "key-file", cert->key_file, NULL);

  for (i = 0; i < CYCLES; i++) {
    fail_if (gst_element_set_state (pipeline, GST_STATE_PLAYING) ==
        GST_STATE_CHANGE_FAILURE);
    fail_unless_equals_int (gst_element_get_state (pipeline, NULL, NULL,
            10 * GST_SECOND), GST_STATE_CHANGE_SUCCESS);
    g_object_get (bin, "bound-port", &port, NULL);
    fail_unless (port != 0, "cycle %u: not listening", i);
    fail_unless_equals_int (gst_element_set_state (pipeline, GST_STATE_NULL),
        GST_STATE_CHANGE_SUCCESS);
    if (i == 0) {
      fds0 = count_entries ("/proc/self/fd");
      threads0 = count_entries ("/proc/self/task");
      rss0 = rss_kb ();
    }
  }
  assert_stable ("pgsmsipbin", fds0, threads0);
  rss = rss_kb ();
  GST_INFO ("pgsmsipbin: RSS %u kB -> %u kB after %d cycles", rss0, rss,
      CYCLES);
  /* a leak of even 10 kB per cycle would show as 2 MB; under
   * AddressSanitizer freed memory sits in its quarantine (up to 256 MB), so
   * only the plain build can judge */
#ifndef __SANITIZE_ADDRESS__
  fail_unless (rss < rss0 + 2048, "RSS grew from %u to %u kB", rss0, rss);
#endif

  gst_object_unref (bin);
  gst_object_unref (pipeline);
  pgsm_test_cert_free (cert);
  pgsm_test_pki_free (pki);
}

GST_END_TEST;

static Suite *
pgsmcycles_suite (void)
{
  Suite *s = suite_create ("pgsmcycles");
  TCase *tc = tcase_create ("cycles");

  tcase_set_timeout (tc, 600);
  tcase_add_test (tc, test_srtp_cycles);
  tcase_add_test (tc, test_tls_cycles);
  tcase_add_test (tc, test_sipbin_cycles);
  suite_add_tcase (s, tc);
  return s;
}

GST_CHECK_MAIN (pgsmcycles);
