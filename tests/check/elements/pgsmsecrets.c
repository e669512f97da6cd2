/* gst-pgsm
 * Copyright (C) 2026 gst-pgsm contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* Keys never leave in clear: a full SRTP round trip and a TLS session with a
 * client certificate run with every debug category at level 9 (MEMDUMP),
 * while we capture
 *   - every debug line (gst_debug_add_log_function, rendered with
 *     gst_debug_log_get_line as GST_DEBUG_FILE would get it),
 *   - the caps as `gst-launch-1.0 -v` prints them (deep-notify::caps),
 *   - every bus message (its structure, error/warning texts and details),
 *   - a dot-file dump of the pipeline in PLAYING (gst_debug_bin_to_dot_data,
 *     all details),
 * and assert that the SRTP master key and salt appear nowhere: not as hex
 * (either case, with or without separators), base64 (of key||salt, as in a
 * crypto attribute) nor raw bytes; and that no line of the client key's PEM
 * body appears.
 *
 * The documented exception (docs/pgsmsrtpdec.md, docs/pgsmsrtpenc.md): when
 * the *application* puts a key in caps (pgsmsrtpenc key-in-caps=true, or
 * caps it sets itself for the decoder), GStreamer core prints those caps
 * like any others. test_srtp_keys_in_caps checks that then only core's and
 * the caps' own texts carry it: no line of a pgsm debug category, and the
 * decoder's output caps never. */

#define _GNU_SOURCE             /* memmem */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gst/check/gstcheck.h>
#include <glib/gstdio.h>
#include <string.h>

#include "pki.h"
#include "tlsserver.h"

static const guint8 master[30] = {
  0x9a, 0x41, 0xc3, 0x27, 0x5e, 0xb0, 0x1d, 0x88, 0x63, 0xf4, 0x0a, 0xd9,
  0x36, 0x7b, 0xe2, 0x15, 0xac, 0x59, 0x07, 0xcd, 0x92, 0x3e, 0x6f, 0x14,
  0xb8, 0x21, 0xd7, 0x4a, 0x80, 0xf3
};

static GMutex lock;
static GString *captured;       /* everything that a user could see */
static GString *pgsm_lines;     /* debug lines of our own categories */
static gboolean capturing;

static void
log_cb (GstDebugCategory * category, GstDebugLevel level, const gchar * file,
    const gchar * function, gint line, GObject * object,
    GstDebugMessage * message, gpointer user_data)
{
  gchar *text = gst_debug_log_get_line (category, level, file, function,
      line, object, message);

  g_mutex_lock (&lock);
  if (!capturing) {
    g_mutex_unlock (&lock);
    g_free (text);
    return;
  }
  g_string_append (captured, text);
  if (g_str_has_prefix (gst_debug_category_get_name (category), "pgsm"))
    g_string_append (pgsm_lines, text);
  g_mutex_unlock (&lock);
  g_free (text);
}

static void
append (const gchar * text)
{
  g_mutex_lock (&lock);
  g_string_append (captured, text);
  g_string_append_c (captured, '\n');
  g_mutex_unlock (&lock);
}

static void
setup (void)
{
  static gboolean installed = FALSE;

  captured = g_string_new (NULL);
  pgsm_lines = g_string_new (NULL);
  /* once per process: GStreamer 1.22 frees the old list of log functions
   * at each change, and changing it while another thread reads it is not
   * safe (valgrind saw it); the capture is switched with the threshold */
  if (!installed) {
    gst_debug_remove_log_function (gst_debug_log_default);
    gst_debug_add_log_function (log_cb, NULL, NULL);
    installed = TRUE;
  }
  g_mutex_lock (&lock);
  capturing = TRUE;
  g_mutex_unlock (&lock);
  gst_debug_set_active (TRUE);
  gst_debug_set_default_threshold (GST_LEVEL_MEMDUMP);
}

/* Stops capturing before the checks: they log, and the pipeline's threads
 * are gone (the pipeline is in NULL) */
static void
stop_capture (void)
{
  gst_debug_set_default_threshold (GST_LEVEL_NONE);
  g_mutex_lock (&lock);
  capturing = FALSE;
  g_mutex_unlock (&lock);
}

static void
teardown (void)
{
  stop_capture ();
  g_string_free (captured, TRUE);
  g_string_free (pgsm_lines, TRUE);
}

/* `gst-launch-1.0 -v` prints "path: caps = ..." for every caps change */
static void
deep_notify_cb (GstObject * pipeline, GstObject * prop_object,
    GParamSpec * pspec, gpointer user_data)
{
  GValue v = G_VALUE_INIT;
  gchar *path, *str, *line;

  if (!GST_IS_PAD (prop_object) || !g_str_equal (pspec->name, "caps"))
    return;
  g_value_init (&v, pspec->value_type);
  g_object_get_property (G_OBJECT (prop_object), pspec->name, &v);
  path = gst_object_get_path_string (prop_object);
  str = gst_value_serialize (&v);
  line = g_strdup_printf ("%s: caps = %s", path, str ? str : "(NULL)");
  append (line);
  if (user_data)
    g_string_append_printf ((GString *) user_data, "%s\n", line);
  g_free (line);
  g_free (str);
  g_free (path);
  g_value_unset (&v);
}

static void
append_message (GstMessage * msg)
{
  const GstStructure *s = gst_message_get_structure (msg);
  gchar *str = s ? gst_structure_to_string (s) : NULL;

  if (str)
    append (str);
  g_free (str);
  if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR ||
      GST_MESSAGE_TYPE (msg) == GST_MESSAGE_WARNING) {
    GError *err = NULL;
    gchar *debug = NULL;
    const GstStructure *details = NULL;

    if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR) {
      gst_message_parse_error (msg, &err, &debug);
      gst_message_parse_error_details (msg, &details);
    } else {
      gst_message_parse_warning (msg, &err, &debug);
      gst_message_parse_warning_details (msg, &details);
    }
    append (err->message);
    if (debug)
      append (debug);
    if (details) {
      str = gst_structure_to_string (details);
      append (str);
      g_free (str);
    }
    g_error_free (err);
    g_free (debug);
  }
}

/* Runs @pipeline to EOS, dumping it as a dot file once data flowed */
static void
run_pipeline (GstElement * pipeline)
{
  GstBus *bus = gst_element_get_bus (pipeline);
  gboolean dumped = FALSE, done = FALSE;

  fail_if (gst_element_set_state (pipeline, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE);
  while (!done) {
    GstMessage *msg = gst_bus_timed_pop (bus, 30 * GST_SECOND);

    fail_unless (msg != NULL, "pipeline did not finish within 30 s");
    append_message (msg);
    if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR)
      fail ("unexpected error on the bus");
    if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_EOS)
      done = TRUE;
    if (!dumped && GST_MESSAGE_TYPE (msg) == GST_MESSAGE_STATE_CHANGED &&
        GST_MESSAGE_SRC (msg) == GST_OBJECT (pipeline)) {
      GstState state;

      gst_message_parse_state_changed (msg, NULL, &state, NULL);
      if (state == GST_STATE_PLAYING) {
        gchar *dot = gst_debug_bin_to_dot_data (GST_BIN (pipeline),
            GST_DEBUG_GRAPH_SHOW_ALL);

        append (dot);
        g_free (dot);
        dumped = TRUE;
      }
    }
    gst_message_unref (msg);
  }
  fail_unless (dumped, "no dot dump was taken");
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (bus);
}

/* Asserts that @haystack has none of the forms of @secret */
static void
assert_absent (const gchar * where, const GString * haystack,
    const guint8 * secret, gsize len)
{
  gchar *hex = g_malloc (len * 2 + 1), *HEX = g_malloc (len * 2 + 1);
  gchar *colons = g_malloc (len * 3 + 1), *spaced = g_malloc (len * 3 + 1);
  gchar *b64 = g_base64_encode (secret, len);
  gsize i;

  for (i = 0; i < len; i++) {
    g_snprintf (hex + 2 * i, 3, "%02x", secret[i]);
    g_snprintf (HEX + 2 * i, 3, "%02X", secret[i]);
    g_snprintf (colons + 3 * i, 4, "%02x:", secret[i]);
    g_snprintf (spaced + 3 * i, 4, "%02x ", secret[i]);
  }
  colons[len * 3 - 1] = spaced[len * 3 - 1] = '\0';
  /* base64 of a sub-range need not align: 16 characters of its middle */
  if (strlen (b64) > 20)
    b64[20] = '\0';

  fail_if (strstr (haystack->str, hex) != NULL, "%s: key in hex", where);
  fail_if (strstr (haystack->str, HEX) != NULL, "%s: key in HEX", where);
  fail_if (strstr (haystack->str, colons) != NULL, "%s: key as aa:bb", where);
  fail_if (strstr (haystack->str, spaced) != NULL, "%s: key as aa bb", where);
  fail_if (strstr (haystack->str, b64 + 4) != NULL, "%s: key in base64", where);
  fail_if (memmem (haystack->str, haystack->len, secret, len) != NULL,
      "%s: raw key bytes", where);
  g_free (hex);
  g_free (HEX);
  g_free (colons);
  g_free (spaced);
  g_free (b64);
}

/* master key (16), master salt (14), and key||salt, each in every form;
 * the memdump of GST_LEVEL_MEMDUMP prints bytes as "9a 41 c3 ..." */
static void
assert_no_srtp_key (const gchar * where, const GString * s)
{
  gchar *b64 = g_base64_encode (master, sizeof (master));

  GST_INFO ("checking %" G_GSIZE_FORMAT " bytes of %s", s->len, where);
  fail_unless (s->len > 0);
  assert_absent (where, s, master, 16);
  assert_absent (where, s, master + 16, 14);
  assert_absent (where, s, master, sizeof (master));
  fail_if (strstr (s->str, b64) != NULL, "%s: crypto inline key", where);
  g_free (b64);
}

static GstElement *
srtp_pipeline (gboolean key_in_caps, GstElement ** enc, GstElement ** dec)
{
  GError *error = NULL;
  GstElement *p = gst_parse_launch ("audiotestsrc num-buffers=3 "
      "samplesperbuffer=160 ! audio/x-raw,format=S16BE,rate=8000,channels=1 "
      "! rtpL16pay ! enc.rtp_sink_0 pgsmsrtpenc name=enc enc.rtp_src_0 ! "
      "dec.rtp_sink pgsmsrtpdec name=dec dec.rtp_src ! fakesink name=sink "
      "sync=false", &error);

  fail_unless (p != NULL, "%s", error ? error->message : "?");
  *enc = gst_bin_get_by_name (GST_BIN (p), "enc");
  *dec = gst_bin_get_by_name (GST_BIN (p), "dec");
  if (key_in_caps)
    g_object_set (*enc, "key-in-caps", TRUE, NULL);
  return p;
}

static void
count_cb (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  g_atomic_int_inc ((gint *) data);
}

static GstPadProbeReturn
count_probe (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  count_cb (pad, info, data);
  return GST_PAD_PROBE_OK;
}

static gint
watch_output (GstElement * dec, gint * counter)
{
  GstPad *pad = gst_element_get_static_pad (dec, "rtp_src");

  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, count_probe, counter,
      NULL);
  gst_object_unref (pad);
  return 0;
}

/* Keys through the `crypto` properties of both elements */
GST_START_TEST (test_srtp_keys_in_properties)
{
  GstElement *p, *enc, *dec;
  gchar *b64 = g_base64_encode (master, sizeof (master));
  gchar *crypto = g_strdup_printf ("1 AES_CM_128_HMAC_SHA1_80 inline:%s",
      b64);
  gint decrypted = 0;

  p = srtp_pipeline (FALSE, &enc, &dec);
  g_object_set (enc, "crypto", crypto, NULL);
  g_object_set (dec, "crypto", crypto, NULL);
  watch_output (dec, &decrypted);
  g_signal_connect (p, "deep-notify::caps", G_CALLBACK (deep_notify_cb), NULL);
  run_pipeline (p);
  fail_unless (g_atomic_int_get (&decrypted) > 0, "nothing was decrypted");

  stop_capture ();
  fail_unless (strstr (captured->str, "pgsmsrtp") != NULL,
      "the elements logged nothing: is the log captured?");
  assert_no_srtp_key ("logs, caps, messages and dot file", captured);

  gst_object_unref (enc);
  gst_object_unref (dec);
  gst_object_unref (p);
  g_free (crypto);
  g_free (b64);
}

GST_END_TEST;

/* The application asks for keys in caps (key-in-caps=true): the decoder is
 * keyed from them. Core may print them (documented); our own categories and
 * the decoder's output caps never do. */
GST_START_TEST (test_srtp_keys_in_caps)
{
  GstElement *p, *enc, *dec;
  GstBuffer *kb = gst_buffer_new_memdup (master, sizeof (master));
  GString *dec_caps = g_string_new (NULL);
  GstPad *pad;
  gint decrypted = 0;

  p = srtp_pipeline (TRUE, &enc, &dec);
  g_object_set (enc, "key", kb, NULL);
  watch_output (dec, &decrypted);
  g_signal_connect (p, "deep-notify::caps", G_CALLBACK (deep_notify_cb), NULL);
  run_pipeline (p);
  fail_unless (g_atomic_int_get (&decrypted) > 0,
      "the decoder was not keyed from caps");

  stop_capture ();
  assert_no_srtp_key ("pgsm debug categories", pgsm_lines);

  /* what leaves the decoder: no keying field at all */
  pad = gst_element_get_static_pad (dec, "rtp_src");
  g_string_append (dec_caps, "rtp_src: ");
  {
    GstCaps *caps = gst_pad_get_current_caps (pad);
    gchar *str = caps ? gst_caps_to_string (caps) : g_strdup ("none");

    g_string_append (dec_caps, str);
    g_free (str);
    if (caps)
      gst_caps_unref (caps);
  }
  gst_object_unref (pad);
  fail_if (strstr (dec_caps->str, "srtp-key") != NULL, "%s", dec_caps->str);
  assert_no_srtp_key ("decoder output caps", dec_caps);

  g_string_free (dec_caps, TRUE);
  gst_buffer_unref (kb);
  gst_object_unref (enc);
  gst_object_unref (dec);
  gst_object_unref (p);
}

GST_END_TEST;

/* pgsmtlssrc with a client certificate: the key file's content never
 * appears (its path may: it is configuration, not a secret) */
GST_START_TEST (test_tls_client_key)
{
  gchar *dir = g_dir_make_tmp ("pgsm-secrets-XXXXXX", NULL);
  PgsmTestPki *pki = pgsm_test_pki_new (dir);
  PgsmTestCert *server_cert = pgsm_test_pki_issue_server (pki, "srv",
      "server.test");
  PgsmTestCertSpec cspec = {.name = "client",.cn = "client.test",
    .eku = PGSM_TEST_EKU_CLIENT
  };
  PgsmTestCert *client = pgsm_test_pki_issue (pki, &cspec);
  PgsmTestTlsServerOptions o = { 0, };
  PgsmTestTlsServer *server;
  GstElement *p, *src, *sink;
  gchar *pem = NULL, **lines;
  guint i, checked = 0;

  o.chain_file = server_cert->chain_file;
  o.key_file = server_cert->key_file;
  o.payload = (const guint8 *) "secret-test\n";
  o.payload_len = 12;
  o.request_client_cert = TRUE;
  server = pgsm_test_tls_server_new (&o);

  p = gst_pipeline_new (NULL);
  src = gst_element_factory_make ("pgsmtlssrc", NULL);
  sink = gst_element_factory_make ("fakesink", NULL);
  gst_bin_add_many (GST_BIN (p), src, sink, NULL);
  fail_unless (gst_element_link (src, sink));
  g_object_set (src, "host", "127.0.0.1", "port",
      (guint) pgsm_test_tls_server_get_port (server), "server-name",
      "server.test", "use-system-ca", FALSE, "ca-file", pki->root_ca_file,
      "cert-file", client->chain_file, "key-file", client->key_file,
      "timeout", 10, NULL);
  g_signal_connect (p, "deep-notify", G_CALLBACK (deep_notify_cb), NULL);
  run_pipeline (p);
  fail_unless (pgsm_test_tls_server_client_sent_certificate (server));

  fail_unless (g_file_get_contents (client->key_file, &pem, NULL, NULL));
  lines = g_strsplit (pem, "\n", -1);
  stop_capture ();
  for (i = 0; lines[i]; i++) {
    if (strlen (lines[i]) < 16 || g_str_has_prefix (lines[i], "-----"))
      continue;
    fail_if (strstr (captured->str, lines[i]) != NULL,
        "a line of the client key PEM is in the logs: %s", lines[i]);
    checked++;
  }
  fail_if (strstr (captured->str, "PRIVATE KEY") != NULL);
  fail_unless (checked > 0);

  g_strfreev (lines);
  g_free (pem);
  gst_object_unref (p);
  pgsm_test_tls_server_free (server);
  pgsm_test_cert_free (client);
  pgsm_test_cert_free (server_cert);
  pgsm_test_pki_free (pki);
  g_rmdir (dir);
  g_free (dir);
}

GST_END_TEST;

static Suite *
pgsmsecrets_suite (void)
{
  Suite *s = suite_create ("pgsmsecrets");
  TCase *tc = tcase_create ("secrets");

  g_mutex_init (&lock);
  tcase_add_checked_fixture (tc, setup, teardown);
  tcase_set_timeout (tc, 300);
  tcase_add_test (tc, test_srtp_keys_in_properties);
  tcase_add_test (tc, test_srtp_keys_in_caps);
  tcase_add_test (tc, test_tls_client_key);
  suite_add_tcase (s, tc);
  return s;
}

GST_CHECK_MAIN (pgsmsecrets);
