/* gst-pgsm
 * Copyright (C) 2026 gst-pgsm contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* The site gateway program (pgsm-site-gateway, run as a child process with
 * a configuration written here) between secure callers outside and clear
 * phones inside, all pgsmsipbin pipelines on loopback with a test PKI made
 * at run time. Every call carries its own tone; what each side hears is
 * measured with the Goertzel algorithm at every tone of the test. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gst/check/gstcheck.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <math.h>
#include <string.h>
#include <signal.h>

#include "sipphone.h"

#define RATE PGSM_TEST_PHONE_RATE

static PgsmTestCert *site_cert;
static PgsmTestCert *user_cert;

/* ---- the gateway process ---------------------------------------------- */

typedef struct
{
  GSubprocess *proc;
  GThread *reader;
  GMutex lock;
  GPtrArray *lines;             /* its standard output */
  gchar *conf_path;
  guint outside_port;
  guint inside_port;
} Gateway;

static gpointer
reader_thread (Gateway * gw)
{
  GDataInputStream *in =
      g_data_input_stream_new (g_subprocess_get_stdout_pipe (gw->proc));
  gchar *line;

  while ((line = g_data_input_stream_read_line (in, NULL, NULL, NULL))) {
    GST_INFO ("gateway: %s", line);
    g_mutex_lock (&gw->lock);
    g_ptr_array_add (gw->lines, line);
    g_mutex_unlock (&gw->lock);
  }
  g_object_unref (in);
  return NULL;
}

/* The gateway of the running test, for failure reports */
static Gateway *the_gateway;

static void
gateway_dump (Gateway * gw)
{
  guint i;

  if (gw == NULL)
    return;
  g_mutex_lock (&gw->lock);
  for (i = 0; i < gw->lines->len; i++)
    g_printerr ("gateway: %s\n", (gchar *) g_ptr_array_index (gw->lines, i));
  g_mutex_unlock (&gw->lock);
}

/* The first line of its output that contains @needle after line @from,
 * waited for; returns its index */
static guint
gateway_wait_line (Gateway * gw, const gchar * needle, guint from,
    gchar ** copy)
{
  gint64 deadline =
      g_get_monotonic_time () + PGSM_TEST_PHONE_WAIT_S * G_USEC_PER_SEC;
  guint i = from;

  while (g_get_monotonic_time () < deadline) {
    g_mutex_lock (&gw->lock);
    for (; i < gw->lines->len; i++) {
      const gchar *line = g_ptr_array_index (gw->lines, i);

      if (strstr (line, needle) != NULL) {
        if (copy != NULL)
          *copy = g_strdup (line);
        g_mutex_unlock (&gw->lock);
        return i;
      }
    }
    g_mutex_unlock (&gw->lock);
    g_usleep (20 * 1000);
  }
  gateway_dump (gw);
  fail ("the gateway never printed '%s'", needle);
  return 0;
}

static guint
gateway_count_lines (Gateway * gw, const gchar * needle)
{
  guint i, n = 0;

  g_mutex_lock (&gw->lock);
  for (i = 0; i < gw->lines->len; i++)
    if (strstr (g_ptr_array_index (gw->lines, i), needle) != NULL)
      n++;
  g_mutex_unlock (&gw->lock);
  return n;
}

static guint
port_of_line (const gchar * line)
{
  const gchar *p = strstr (line, ", port ");

  fail_unless (p != NULL, "%s", line);
  return (guint) g_ascii_strtoull (p + 7, NULL, 10);
}

/* In the child before exec: a test that fails (its process ends) takes
 * the gateway with it */
static void
child_setup (gpointer data)
{
  prctl (PR_SET_PDEATHSIG, SIGTERM);
}

static Gateway *
gateway_start (const gchar * numbers)
{
  Gateway *gw = g_new0 (Gateway, 1);
  GError *err = NULL;
  gchar *conf, *line = NULL;

  g_mutex_init (&gw->lock);
  gw->lines = g_ptr_array_new_with_free_func (g_free);
  conf = g_strdup_printf ("[gateway]\n"
      "outside-listen=sips:127.0.0.1:0\n"
      "inside-listen=sip:127.0.0.1:0\n"
      "cert-file=%s\nkey-file=%s\nca-file=%s\n"
      "max-calls=4\n\n%s", site_cert->chain_file, site_cert->key_file,
      pgsm_test_phone_pki->root_ca_file, numbers);
  gw->conf_path = g_build_filename (g_get_tmp_dir (), "pgsm-gw-XXXXXX.conf",
      NULL);
  {
    gint fd = g_mkstemp (gw->conf_path);

    fail_unless (fd >= 0);
    close (fd);
  }
  fail_unless (g_file_set_contents (gw->conf_path, conf, -1, NULL));
  g_free (conf);
  {
    /* PGSM_GATEWAY_WRAPPER runs the program under a tool, e.g.
     * "valgrind --error-exitcode=99 --leak-check=full" */
    const gchar *wrapper = g_getenv ("PGSM_GATEWAY_WRAPPER");
    GPtrArray *argv = g_ptr_array_new_with_free_func (g_free);
    GSubprocessLauncher *launcher;
    gchar **words = NULL;
    guint i;

    if (wrapper != NULL && *wrapper != '\0')
      words = g_strsplit (wrapper, " ", -1);
    for (i = 0; words != NULL && words[i] != NULL; i++)
      if (*words[i] != '\0')
        g_ptr_array_add (argv, g_strdup (words[i]));
    g_strfreev (words);
    g_ptr_array_add (argv, g_strdup (GATEWAY_PROGRAM));
    g_ptr_array_add (argv, g_strdup ("--config"));
    g_ptr_array_add (argv, g_strdup (gw->conf_path));
    g_ptr_array_add (argv, NULL);
    launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
    g_subprocess_launcher_set_child_setup (launcher, child_setup, NULL, NULL);
    gw->proc = g_subprocess_launcher_spawnv (launcher,
        (const gchar * const *) argv->pdata, &err);
    g_object_unref (launcher);
    g_ptr_array_unref (argv);
  }
  fail_unless (gw->proc != NULL, "%s", err ? err->message : "");
  gw->reader = g_thread_new ("gw-reader", (GThreadFunc) reader_thread, gw);
  gateway_wait_line (gw, "outside: ", 0, &line);
  gw->outside_port = port_of_line (line);
  g_free (line);
  gateway_wait_line (gw, "inside: ", 0, &line);
  gw->inside_port = port_of_line (line);
  g_free (line);
  fail_unless (gw->outside_port != 0 && gw->inside_port != 0);
  the_gateway = gw;
  return gw;
}

static void
gateway_stop (Gateway * gw)
{
  GError *err = NULL;

  the_gateway = NULL;
  /* stopped by its PID; it must exit by itself, with status 0 */
  g_subprocess_send_signal (gw->proc, SIGTERM);
  fail_unless (g_subprocess_wait (gw->proc, NULL, &err));
  fail_unless (g_subprocess_get_if_exited (gw->proc));
  fail_unless_equals_int (g_subprocess_get_exit_status (gw->proc), 0);
  g_thread_join (gw->reader);
  g_object_unref (gw->proc);
  g_unlink (gw->conf_path);
  g_free (gw->conf_path);
  g_ptr_array_unref (gw->lines);
  g_mutex_clear (&gw->lock);
  g_free (gw);
}

/* ---- phones: a pgsmsipbin with a tone in and an appsink out ------------ */

/* On a failure: what the phone's bus and the gateway said */
static void
phone_dump_bus (PgsmTestPhone * phone)
{
  GstMessage *msg;

  while ((msg = gst_bus_pop (phone->bus)) != NULL) {
    const GstStructure *s = gst_message_get_structure (msg);
    gchar *text = s ? gst_structure_to_string (s) : NULL;

    g_printerr ("phone bus: %s %s\n", GST_MESSAGE_TYPE_NAME (msg),
        text ? text : "");
    g_free (text);
    gst_message_unref (msg);
  }
}

static gchar *
phone_failure_note (PgsmTestPhone * phone, gpointer data)
{
  phone_dump_bus (phone);
  gateway_dump (the_gateway);
  return NULL;
}

/* @secure: a phone outside (SIP/TLS, SRTP); else a clear phone inside.
 * @listen: it answers calls (outside it then needs the user certificate) */
static PgsmTestPhone *
phone_new (gboolean secure, gboolean listen, gdouble freq)
{
  /* four tones mixed stay far from clipping */
  PgsmTestPhone *phone = pgsm_test_phone_new (NULL, freq, 0.15);

  phone->failure_note = phone_failure_note;
  if (secure) {
    pgsm_test_phone_set_tls (phone, listen ? user_cert : NULL);
  } else {
    g_object_set (phone->bin, "listen-uri", "sip:127.0.0.1:0",
        "allow-insecure-signaling", TRUE, NULL);
    gst_util_set_object_arg (G_OBJECT (phone->bin), "media-encryption", "none");
  }
  g_object_set (phone->bin, "auto-answer", listen, NULL);
  pgsm_test_phone_start (phone);
  return phone;
}

static guint
phone_port (PgsmTestPhone * phone)
{
  guint port = pgsm_test_phone_bound_port (phone);

  fail_unless (port != 0);
  return port;
}

static void
phone_call (PgsmTestPhone * phone, const gchar * scheme,
    const gchar * number, guint port)
{
  gchar *uri = g_strdup_printf ("%s:%s@127.0.0.1:%u", scheme, number, port);

  g_free (pgsm_test_phone_call (phone, uri));
  g_free (uri);
}

static void
phone_hangup (PgsmTestPhone * phone)
{
  pgsm_test_phone_action (phone, "hangup", phone->call_id);
}

/* ---- the wire ---------------------------------------------------------- */

/* The PCMU payloads of a phone's call media, as they cross the wire */
typedef struct
{
  GMutex lock;
  GPtrArray *packets;           /* received */
  GPtrArray *sent;              /* sent */
} Wire;

static GstPadProbeReturn
wire_probe_cb (GstPad * pad, GstPadProbeInfo * info, GPtrArray * into)
{
  GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER (info);
  GstElement *e = GST_ELEMENT (gst_pad_get_parent (pad));
  Wire *wire = g_object_get_data (G_OBJECT (e), "pgsm-test-wire");
  GstMapInfo map;

  gst_object_unref (e);
  if (gst_buffer_map (buf, &map, GST_MAP_READ)) {
    /* RTP of PCMU (payload type 0, 20 ms): what audio travels in */
    if (map.size >= 12 + 160 && (map.data[0] >> 6) == 2
        && (map.data[1] & 0x7f) == 0) {
      g_mutex_lock (&wire->lock);
      g_ptr_array_add (into, g_bytes_new (map.data + 12, 160));
      g_mutex_unlock (&wire->lock);
    }
    gst_buffer_unmap (buf, &map);
  }
  return GST_PAD_PROBE_OK;
}

/* Taps every udpsrc (what arrives) and udpsink (what leaves) of the call's
 * media, which exist once the call posted `secured`/`clear`; wire_free()
 * once the phone is freed */
static Wire *
phone_tap_wire (PgsmTestPhone * phone)
{
  Wire *wire = g_new0 (Wire, 1);
  GstIterator *it = gst_bin_iterate_recurse (GST_BIN (phone->bin));
  GValue v = G_VALUE_INIT;

  g_mutex_init (&wire->lock);
  wire->packets = g_ptr_array_new_with_free_func ((GDestroyNotify)
      g_bytes_unref);
  wire->sent = g_ptr_array_new_with_free_func ((GDestroyNotify)
      g_bytes_unref);
  while (gst_iterator_next (it, &v) == GST_ITERATOR_OK) {
    GstElement *e = g_value_get_object (&v);
    GstElementFactory *f = gst_element_get_factory (e);
    const gchar *name = f ? GST_OBJECT_NAME (f) : "";
    gboolean in = g_str_equal (name, "udpsrc");

    if (in || g_str_equal (name, "udpsink")) {
      GstPad *pad = gst_element_get_static_pad (e, in ? "src" : "sink");

      g_object_set_data (G_OBJECT (e), "pgsm-test-wire", wire);
      gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER,
          (GstPadProbeCallback) wire_probe_cb,
          in ? wire->packets : wire->sent, NULL);
      gst_object_unref (pad);
    }
    g_value_reset (&v);
  }
  g_value_unset (&v);
  gst_iterator_free (it);
  return wire;
}

static void
wire_free (Wire * wire)
{
  g_ptr_array_unref (wire->packets);
  g_ptr_array_unref (wire->sent);
  g_mutex_clear (&wire->lock);
  g_free (wire);
}

/* Shannon entropy of the bytes of @packets, bits per byte */
static gdouble
payload_entropy (Wire * wire, GPtrArray * packets, guint * n)
{
  guint counts[256] = { 0 }, total = 0, i, j;
  gdouble h = 0;

  g_mutex_lock (&wire->lock);
  *n = packets->len;
  for (i = 0; i < packets->len; i++) {
    gsize size;
    const guint8 *b = g_bytes_get_data (g_ptr_array_index (packets, i),
        &size);

    for (j = 0; j < size; j++)
      counts[b[j]]++;
    total += size;
  }
  g_mutex_unlock (&wire->lock);
  for (i = 0; i < 256 && total > 0; i++)
    if (counts[i] > 0)
      h -= (gdouble) counts[i] / total * log2 ((gdouble) counts[i] / total);
  return h;
}

/* ---- what a phone hears ------------------------------------------------ */

/* From now: @phone hears each of @hear (a 0.15-volume tone has amplitude
 * ~4900) in one second of audio, and @not_hear in none. Measured over the
 * last second after 1.5 s, then every 0.5 s up to 3.5 s: on a loaded
 * machine a mix may lose a late buffer now and then, which a one-shot
 * measurement would take for a missing voice; hearing oneself is checked
 * in every window. */
static void
assert_hears (PgsmTestPhone * phone, const gchar * who, const gdouble * hear,
    guint n_hear, gdouble not_hear)
{
  guint start, i, step;
  gdouble level = 0, worst = 0;
  gboolean all = FALSE;

  start = pgsm_test_phone_n_samples (phone);
  for (step = 0; step < 5 && !all; step++) {
    pgsm_test_phone_wait_samples (phone,
        start + RATE * 3 / 2 + step * RATE / 2);
    all = TRUE;
    for (i = 0; i < n_hear; i++) {
      level = pgsm_test_phone_tone_level (phone, hear[i]);
      GST_INFO ("%s hears %.0f Hz at %.0f", who, hear[i], level);
      if (level <= 2500) {
        worst = level;
        all = FALSE;
        break;
      }
    }
    if (not_hear > 0) {
      gdouble own = pgsm_test_phone_tone_level (phone, not_hear);

      GST_INFO ("%s hears its own %.0f Hz at %.0f", who, not_hear, own);
      fail_unless (own < 250, "%s hears itself (%.0f Hz) at %.0f", who,
          not_hear, own);
    }
  }
  fail_unless (all, "%s hears %.0f Hz only at %.0f", who, hear[i], worst);
}

/* ---- fixtures ---------------------------------------------------------- */

static void
pki_setup (void)
{
  pgsm_test_phone_pki_setup ();
  site_cert =
      pgsm_test_pki_issue_server (pgsm_test_phone_pki, "site", "127.0.0.1");
  user_cert =
      pgsm_test_pki_issue_server (pgsm_test_phone_pki, "alice", "127.0.0.1");
}

static void
pki_teardown (void)
{
  g_clear_pointer (&site_cert, pgsm_test_cert_free);
  g_clear_pointer (&user_cert, pgsm_test_cert_free);
  pgsm_test_phone_pki_teardown ();
}

/* ---- tests ------------------------------------------------------------- */

/* A secure caller outside dials phone 100 inside (crypto-to-clear); then
 * phone 101 inside dials the secure user alice (clear-to-crypto). Tones
 * both ways; the outside leg carries only ciphertext, the inside leg the
 * clear audio. */
GST_START_TEST (test_crypto_to_clear_and_back)
{
  PgsmTestPhone *phone100 = phone_new (FALSE, TRUE, 1000);
  PgsmTestPhone *alice = phone_new (TRUE, TRUE, 600);
  PgsmTestPhone *bob, *phone101;
  Gateway *gw;
  gchar *numbers;
  const gdouble hear1000[] = { 1000 }, hear440[] = { 440 };
  const gdouble hear800[] = { 800 }, hear600[] = { 600 };
  guint i, j, n_out, n_in;
  gdouble h_out, h_in;
  Wire *wire100, *wire_bob;

  numbers = g_strdup_printf ("[phone 100]\nuri=sip:100@127.0.0.1:%u\n\n"
      "[user alice]\nuri=sips:alice@127.0.0.1:%u\n", phone_port (phone100),
      phone_port (alice));
  gw = gateway_start (numbers);
  g_free (numbers);

  /* crypto-to-clear */
  bob = phone_new (TRUE, FALSE, 440);
  phone_call (bob, "sips", "100", gw->outside_port);
  gst_message_unref (pgsm_test_phone_wait (phone100, "clear"));
  wire100 = phone_tap_wire (phone100);
  gst_message_unref (pgsm_test_phone_wait (bob, "secured"));
  wire_bob = phone_tap_wire (bob);
  gateway_wait_line (gw, "bridged", 0, NULL);
  assert_hears (bob, "bob (outside)", hear1000, 1, 440);
  assert_hears (phone100, "phone 100 (inside)", hear440, 1, 1000);

  /* the outside leg: ciphertext only, and none of the clear payloads of
   * the inside leg appears in it */
  h_out = payload_entropy (wire_bob, wire_bob->packets, &n_out);
  h_in = payload_entropy (wire100, wire100->packets, &n_in);
  GST_INFO ("outside leg: %u packets, %.2f bits/byte; inside: %u, %.2f",
      n_out, h_out, n_in, h_in);
  fail_unless (n_out > 50 && n_in > 50, "%u %u", n_out, n_in);
  fail_unless (h_out > 7.5, "outside payload entropy %.2f", h_out);
  fail_unless (h_in < 7.0, "inside payload entropy %.2f", h_in);
  g_mutex_lock (&wire100->lock);
  g_mutex_lock (&wire_bob->lock);
  for (i = 0; i < wire100->sent->len; i++)
    for (j = 0; j < wire_bob->packets->len; j++)
      fail_if (g_bytes_equal (g_ptr_array_index (wire100->sent, i),
              g_ptr_array_index (wire_bob->packets, j)),
          "a clear inside payload went out");
  g_mutex_unlock (&wire_bob->lock);
  g_mutex_unlock (&wire100->lock);

  phone_hangup (bob);
  gst_message_unref (pgsm_test_phone_wait (phone100, "ended"));
  gateway_wait_line (gw, "ended", 0, NULL);
  pgsm_test_phone_free (bob);
  wire_free (wire_bob);

  /* clear-to-crypto */
  phone101 = phone_new (FALSE, FALSE, 800);
  phone_call (phone101, "sip", "alice", gw->inside_port);
  gst_message_unref (pgsm_test_phone_wait (alice, "secured"));
  gst_message_unref (pgsm_test_phone_wait (phone101, "clear"));
  assert_hears (alice, "alice (outside)", hear800, 1, 600);
  assert_hears (phone101, "phone 101 (inside)", hear600, 1, 800);
  phone_hangup (phone101);
  gst_message_unref (pgsm_test_phone_wait (alice, "ended"));
  pgsm_test_phone_free (phone101);

  /* a number nobody has: 404 */
  bob = phone_new (TRUE, FALSE, 440);
  phone_call (bob, "sips", "999", gw->outside_port);
  {
    GstMessage *msg = pgsm_test_phone_wait (bob, "failed");

    fail_unless_equals_int (pgsm_test_phone_msg_uint (msg, "status"), 404);
    gst_message_unref (msg);
  }
  pgsm_test_phone_free (bob);

  gateway_stop (gw);
  pgsm_test_phone_free (alice);
  pgsm_test_phone_free (phone100);
  wire_free (wire100);
}

GST_END_TEST;

/* Three secure callers and one inside phone in room 300: each hears the
 * three others and not itself (N-1 mix); one leaves, the rest go on */
GST_START_TEST (test_conference_room)
{
  const gdouble freqs[4] = { 400, 700, 1100, 1700 };
  const gchar *names[4] = { "caller 1", "caller 2", "caller 3", "phone" };
  PgsmTestPhone *p[4];
  Gateway *gw = gateway_start ("[room 300]\n");
  guint i, j, line = 0;

  for (i = 0; i < 4; i++) {
    gchar *joined = g_strdup_printf ("(%u in the room)", i + 1);

    p[i] = phone_new (i < 3, FALSE, freqs[i]);
    if (i < 3)
      phone_call (p[i], "sips", "300", gw->outside_port);
    else
      phone_call (p[i], "sip", "300", gw->inside_port);
    gst_message_unref (pgsm_test_phone_wait (p[i],
            i < 3 ? "secured" : "clear"));
    line = gateway_wait_line (gw, joined, line, NULL);
    g_free (joined);
  }
  for (i = 0; i < 4; i++) {
    gdouble others[3];
    guint n = 0;

    for (j = 0; j < 4; j++)
      if (j != i)
        others[n++] = freqs[j];
    assert_hears (p[i], names[i], others, 3, freqs[i]);
  }

  /* caller 2 leaves: the others hear the remaining two */
  phone_hangup (p[1]);
  gateway_wait_line (gw, "(3 in the room)", line, NULL);
  {
    const gdouble hear[2] = { 1100, 1700 };

    assert_hears (p[0], names[0], hear, 2, 400);
  }
  for (i = 0; i < 4; i++)
    pgsm_test_phone_free (p[i]);
  gateway_stop (gw);
}

GST_END_TEST;

/* Room 301 has a PIN and calls phone 100 in when its first member arrives
 * (3-way calling opened by one caller): a wrong PIN is refused, the right
 * one admits, then the caller and phone 100 hear each other */
GST_START_TEST (test_room_pin_and_dial_out)
{
  PgsmTestPhone *phone100 = phone_new (FALSE, TRUE, 1000);
  PgsmTestPhone *bob;
  Gateway *gw;
  gchar *numbers;
  gboolean ok = FALSE;
  const gdouble hear1000[] = { 1000 }, hear440[] = { 440 };
  guint line;

  numbers = g_strdup_printf ("[phone 100]\nuri=sip:100@127.0.0.1:%u\n\n"
      "[room 301]\npin=2468\ndial=100\n", phone_port (phone100));
  gw = gateway_start (numbers);
  g_free (numbers);

  bob = phone_new (TRUE, FALSE, 440);
  phone_call (bob, "sips", "301", gw->outside_port);
  gst_message_unref (pgsm_test_phone_wait (bob, "secured"));
  gateway_wait_line (gw, "waits for the PIN", 0, NULL);
  g_signal_emit_by_name (bob->bin, "send-dtmf", bob->call_id, "1111#", &ok);
  fail_unless (ok);
  gateway_wait_line (gw, "wrong PIN", 0, NULL);
  g_signal_emit_by_name (bob->bin, "send-dtmf", bob->call_id, "2468", &ok);
  fail_unless (ok);
  gateway_wait_line (gw, "(1 in the room)", 0, NULL);
  /* "1111#" was one refusal: the '#' after it is not another */
  fail_unless_equals_int (gateway_count_lines (gw, "wrong PIN"), 1);
  gst_message_unref (pgsm_test_phone_wait (phone100, "clear"));
  line = gateway_wait_line (gw, "(2 in the room)", 0, NULL);
  assert_hears (bob, "bob", hear1000, 1, 440);
  assert_hears (phone100, "phone 100", hear440, 1, 1000);

  phone_hangup (bob);
  gateway_wait_line (gw, "(1 in the room)", line, NULL);
  pgsm_test_phone_free (bob);
  gateway_stop (gw);
  pgsm_test_phone_free (phone100);
}

GST_END_TEST;

static Suite *
site_gateway_suite (void)
{
  Suite *s = suite_create ("site-gateway");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_checked_fixture (tc, pki_setup, pki_teardown);
  tcase_set_timeout (tc, 120);
  tcase_add_test (tc, test_crypto_to_clear_and_back);
  tcase_add_test (tc, test_conference_room);
  tcase_add_test (tc, test_room_pin_and_dial_out);
  return s;
}

GST_CHECK_MAIN (site_gateway);
