/* gst-pgsm
 * Copyright (C) 2026 gst-pgsm contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* pgsmsipbin against baresip 1.0.0 (Debian's baresip), a SIP user agent
 * we did not write, headless on loopback: ausine sends a 1000 Hz tone,
 * the sndfile filter records what it receives, `mediaenc=srtp-mand`
 * (SDES, RTP/SAVP only), a certificate of the test PKI made when the
 * test runs. Configuration: tests/interop/baresip/config.in and
 * accounts.in, filled in by the test. baresip's quirks (the project's
 * NOTES.md): its TLS port is its SIP port + 1, it cannot send to sips:
 * URIs, and it sends a few RTCP packets in clear (see
 * assert_only_expected_warnings()).
 *
 * Built twice:
 *   interop_baresip           we call baresip over TLS (sips:), audio both
 *                             ways: our side by the bin's src pad, baresip's
 *                             side from its recorded WAV; we hang up.
 *   interop_baresip_incoming  (BARESIP_CALLS_US) baresip dials our
 *                             listening bin as sip:bob@...;transport=tls.
 *                             For such a Request-URI (not sips:) our 180
 *                             and 200 carry a sip:...;transport=tls Contact
 *                             (RFC 3261 12.1.1, gstpgsmsofia.c); baresip
 *                             ACKs it over the TLS connection of its
 *                             INVITE, the call is established, audio goes
 *                             both ways, and either side hangs up (our BYE
 *                             through baresip's connection, baresip's BYE
 *                             over that connection to us). With a sips:
 *                             Contact, as before, baresip cannot ACK
 *                             ("session closed: Function not
 *                             implemented"): the test fails saying so.
 *
 * baresip is stopped by PID at the end of each test (and at exit, see
 * interop.h); its log and recordings are kept in the build directory
 * (baresip-<test>.log) for a look after a failure. Without baresip the
 * program prints why and exits 77. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <math.h>
#include <string.h>
#include <glib/gstdio.h>
#include <gst/check/gstcheck.h>
#include <gst/pgsm/pgsm.h>
#include "interop.h"
#include "pki.h"

#define OUR_FREQ 440.0
#define BARESIP_FREQ 1000.0
/* a 0.5-volume sine has an RMS of ~11585; ausine's amplitude is about the
 * same (11 747 measured at its encoder); G.711 keeps both within a few % */
#define RMS_MIN 8000
#define RMS_MAX 14000
#define MODULE_DIR "/usr/lib/baresip/modules"

static PgsmTestPki *pki;

typedef struct
{
  gchar *dir;                   /* baresip's -f directory, HOME too */
  gchar *rec_dir;               /* sndfile's WAV files */
  guint port;                   /* SIP; TLS is port + 1 */
  PgsmTestCert *cert;
  InteropProcess *proc;
} Baresip;

static void
suite_setup (void)
{
  interop_suite_setup ();
  pki = pgsm_test_pki_new_tmp ("pgsm-interop-pki");
  fail_unless (pki != NULL);
}

static void
suite_teardown (void)
{
  g_clear_pointer (&pki, pgsm_test_pki_free);
  interop_suite_teardown ();
}

/* Copies tests/interop/baresip/@name.in to @dir/@name, each @KEY@ of
 * @subst (NULL-terminated key, value pairs) replaced */
static void
write_from_template (const gchar * dir, const gchar * name,
    const gchar * const *subst)
{
  g_autofree gchar *in = g_strdup_printf ("%s/baresip/%s.in",
      TEST_SOURCE_DIR, name);
  g_autofree gchar *out = g_build_filename (dir, name, NULL);
  g_autofree gchar *text = NULL;
  guint i;

  fail_unless (g_file_get_contents (in, &text, NULL, NULL), "cannot read %s",
      in);
  for (i = 0; subst != NULL && subst[i] != NULL; i += 2) {
    g_autofree gchar *key = g_strdup_printf ("@%s@", subst[i]);
    g_auto (GStrv) parts = g_strsplit (text, key, -1);

    g_free (text);
    text = g_strjoinv (subst[i + 1], parts);
  }
  fail_if (g_regex_match_simple ("@[A-Z_]+@", text, 0, 0),
      "%s: a placeholder was not filled in", out);
  fail_unless (g_file_set_contents (out, text, -1, NULL));
}

/* Starts baresip; with @dial, it dials that URI at once (-e /dial) */
static Baresip *
baresip_start (const gchar * test, const gchar * dial)
{
  Baresip *b = g_new0 (Baresip, 1);
  g_autofree gchar *port = NULL, *freq = NULL, *log = NULL;
  g_autofree gchar *home = NULL, *cmd = NULL, *contacts = NULL;

  b->dir = interop_tmp_dir_new ("pgsm-baresip");
  /* kept in the build directory, replaced by the next run */
  b->rec_dir = g_strdup_printf ("%s/baresip-%s-rec", TEST_BUILD_DIR, test);
  g_mkdir_with_parents (b->rec_dir, 0755);
  {
    GDir *d = g_dir_open (b->rec_dir, 0, NULL);
    const gchar *name;

    while (d != NULL && (name = g_dir_read_name (d)) != NULL) {
      g_autofree gchar *path = g_build_filename (b->rec_dir, name, NULL);

      g_unlink (path);
    }
    if (d != NULL)
      g_dir_close (d);
  }
  b->cert = pgsm_test_pki_issue_server (pki, "baresip", "127.0.0.1");
  b->port = interop_free_port_pair ();
  port = g_strdup_printf ("%u", b->port);
  freq = g_strdup_printf ("%.0f", BARESIP_FREQ);
  {
    const gchar *subst[] = { "PORT", port, "CERTIFICATE",
      b->cert->combined_file, "CAFILE", pki->root_ca_file, "FREQ", freq,
      "MODULE_PATH", MODULE_DIR, "RECDIR", b->rec_dir, NULL
    };

    write_from_template (b->dir, "config", subst);
    write_from_template (b->dir, "accounts", NULL);
  }
  /* no contacts: baresip would write its template with example.com */
  contacts = g_build_filename (b->dir, "contacts", NULL);
  fail_unless (g_file_set_contents (contacts, "\n", -1, NULL));

  log = g_strdup_printf ("%s/baresip-%s.log", TEST_BUILD_DIR, test);
  home = g_strdup_printf ("HOME=%s", b->dir);
  cmd = dial != NULL ? g_strdup_printf ("/dial %s", dial) : NULL;
  {
    /* -4: IPv4 only; -s: SIP trace in the log (no SDP keys of ours are
     * secret here: the call is a test) */
    const gchar *argv[] = { "baresip", "-4", "-s", "-f", b->dir,
      cmd != NULL ? "-e" : NULL, cmd, NULL
    };
    const gchar *env[] = { home, NULL };

    b->proc = interop_process_start ("baresip", argv, env, log);
  }
  fail_unless (interop_wait_accepting (b->proc, b->port + 1, 10),
      "baresip does not accept TLS on port %u (log: %s)", b->port + 1, log);
  return b;
}

static void
baresip_stop (Baresip * b)
{
  fail_unless (interop_process_stop (b->proc, 5000), "baresip needed SIGKILL");
  interop_process_free (b->proc);
  /* config, accounts, contacts and what baresip wrote there: uuid,
   * current_contact (HOME is there too) */
  fail_unless (interop_tmp_dir_remove (b->dir), "%s stayed", b->dir);
  pgsm_test_cert_free (b->cert);
  g_free (b->dir);
  g_free (b->rec_dir);
  g_free (b);
}

/* The WAV file sndfile wrote for what baresip decoded (dump-...-dec.wav) */
static gchar *
find_decoded_wav (Baresip * b)
{
  GDir *d = g_dir_open (b->rec_dir, 0, NULL);
  const gchar *name;
  gchar *path = NULL;

  while (d != NULL && (name = g_dir_read_name (d)) != NULL && path == NULL)
    if (g_str_has_suffix (name, "-dec.wav"))
      path = g_build_filename (b->rec_dir, name, NULL);
  if (d != NULL)
    g_dir_close (d);
  return path;
}

/* Waits until baresip's recording of what it receives holds @seconds of
 * audio (the file grows while it records; its header is written at the
 * end) */
static void
wait_recorded (Baresip * b, gdouble seconds)
{
  gint64 deadline = g_get_monotonic_time () + INTEROP_WAIT_S * G_USEC_PER_SEC;
  guint have = 0, rate = 0, channels = 0;

  while (g_get_monotonic_time () < deadline) {
    g_autofree gchar *wav = find_decoded_wav (b);
    GArray *s = wav != NULL ? interop_read_wav (wav, &rate, &channels,
        NULL) : NULL;

    have = s != NULL ? s->len : 0;
    g_clear_pointer (&s, g_array_unref);
    if (rate > 0 && have >= seconds * rate)
      return;
    g_usleep (100 * 1000);
  }
  fail ("baresip recorded only %u samples at %u Hz in %d s", have, rate,
      INTEROP_WAIT_S);
}

/* What baresip received from us, from its recording: the tone we send */
static void
assert_baresip_heard (Baresip * b, gdouble want)
{
  g_autofree gchar *wav = NULL;
  g_autoptr (GError) err = NULL;
  GArray *s;
  guint rate = 0, channels = 0;
  gdouble freq, rms;

  /* baresip closes the file when its call is torn down */
  fail_unless (interop_process_wait_log (b->proc, "terminated", 10),
      "baresip did not end the call (log: %s)", b->proc->log_file);
  wav = find_decoded_wav (b);
  fail_unless (wav != NULL, "no -dec.wav in %s", b->rec_dir);
  s = interop_read_wav (wav, &rate, &channels, &err);
  fail_unless (s != NULL, "%s", err ? err->message : "");
  GST_INFO ("%s: %u samples at %u Hz, %u channel(s)", wav, s->len, rate,
      channels);
  fail_unless (rate >= 8000);
  /* skip 0.5 s of start-up (jitter buffer), then 1 s */
  fail_unless (s->len >= rate * 3 / 2, "baresip recorded only %u samples",
      s->len);
  pgsm_test_phone_measure (&g_array_index (s, gint16, rate / 2), rate, rate,
      &freq, &rms);
  GST_INFO ("baresip heard %.1f Hz, RMS %.0f (want %.0f Hz)", freq, rms, want);
  fail_unless (fabs (freq - want) < want * 0.05,
      "baresip heard %.1f Hz, want %.0f", freq, want);
  fail_unless (rms >= RMS_MIN && rms <= RMS_MAX, "baresip's RMS %.0f", rms);
  g_array_unref (s);
}

/* baresip 1.0.0 sends one RTCP APP packet "PING" in clear (16 bytes) to
 * our RTCP port when its stream starts, before SRTP, and, when its call
 * ends (its hang-up or ours), its RTCP BYE ("Adjo") with its SDES in clear
 * too (48 bytes), which reaches our decoder when it comes before our side
 * has taken the call's media down (a race when we hang up, sure when
 * baresip does): pgsmsrtpdec drops them as malformed and posts its
 * WARNING (once per second at most, with the count so far). That, up to
 * @max_malformed packets, and nothing else, may warn. */
static void
assert_only_expected_warnings (PgsmTestPhone * p, guint max_malformed)
{
  const gchar *m;

  if (p->warnings == 0)
    return;
  GST_INFO ("%u WARNING(s), the last: %s", p->warnings, p->last_warning);
  fail_unless (p->warnings <= max_malformed && strstr (p->last_warning,
          "Dropped SRTP packets") != NULL
      && strstr (p->last_warning, "0 authentication failures, 0 replays")
      != NULL, "unexpected WARNING: %s", p->last_warning);
  m = strstr (p->last_warning, "replays, ");
  fail_unless (m != NULL && g_ascii_strtoull (m + strlen ("replays, "), NULL,
          10) <= max_malformed, "unexpected WARNING: %s", p->last_warning);
}

static gboolean
baresip_available (void)
{
  g_autofree gchar *prog = interop_find_program ("baresip");
  const gchar *modules[] = { "g711.so", "ausine.so", "sndfile.so", "srtp.so",
    "account.so", "menu.so", NULL
  };
  guint i;

  if (prog == NULL) {
    g_print ("SKIP: baresip is not installed (Debian: baresip; "
        "scripts/install-deps.sh installs it)\n");
    return FALSE;
  }
  for (i = 0; modules[i] != NULL; i++) {
    g_autofree gchar *so = g_build_filename (MODULE_DIR, modules[i], NULL);

    if (!g_file_test (so, G_FILE_TEST_EXISTS)) {
      g_print ("SKIP: baresip module %s is missing\n", so);
      return FALSE;
    }
  }
  return TRUE;
}

#ifndef BARESIP_CALLS_US

/* We call baresip over TLS (sips:, its TLS port); it answers with SDES,
 * audio both ways (its tone at our src pad, ours in its recording), we
 * hang up and baresip ends the call */
GST_START_TEST (test_call_baresip)
{
  Baresip *b = baresip_start ("call", NULL);
  PgsmTestPhone *alice = interop_phone_new ("alice", OUR_FREQ);
  g_autofree gchar *uri = g_strdup_printf ("sips:baresip@127.0.0.1:%u",
      b->port + 1);
  GstMessage *msg;
  gchar *call_id;

  g_object_set (alice->bin, "listen-uri", "sips:127.0.0.1:0", "local-uri",
      "sips:alice@127.0.0.1", "ca-file", pki->root_ca_file, "remote-uri",
      uri, NULL);
  pgsm_test_phone_start (alice);

  msg = pgsm_test_phone_wait (alice, "secured");
  call_id = g_strdup (pgsm_test_phone_msg_string (msg, "call-id"));
  /* baresip's srtp module answers the first suite we offer */
  fail_unless_equals_string (pgsm_test_phone_msg_string (msg, "suite"),
      "AES_CM_128_HMAC_SHA1_80");
  fail_unless_equals_string (pgsm_test_phone_msg_string (msg, "codec"), "PCMU");
  fail_unless_equals_string (pgsm_test_phone_msg_string (msg, "remote-address"),
      "127.0.0.1");
  fail_unless_equals_string (pgsm_test_phone_msg_string (msg,
          "peer-certificate-sha256"), b->cert->sha256);
  gst_message_unref (msg);
  gst_message_unref (pgsm_test_phone_wait (alice, "established"));
  fail_unless (interop_process_wait_log (b->proc, "Call established", 5));
  fail_unless (interop_process_wait_log (b->proc,
          "SRTP is Enabled (cryptosuite=AES_CM_128_HMAC_SHA1_80)", 1));

  pgsm_test_phone_assert_tone (alice, pgsm_test_phone_n_samples (alice),
      BARESIP_FREQ, RMS_MIN, RMS_MAX);
  /* assert_baresip_heard() needs 1.5 s of ours in baresip's recording */
  wait_recorded (b, 2.0);

  pgsm_test_phone_action (alice, "hangup", call_id);
  msg = pgsm_test_phone_wait (alice, "ended");
  fail_unless_equals_int (pgsm_test_phone_msg_uint (msg, "status"), 200);
  gst_message_unref (msg);
  assert_baresip_heard (b, OUR_FREQ);
  assert_only_expected_warnings (alice, 2);

  g_free (call_id);
  pgsm_test_phone_free (alice);
  baresip_stop (b);
}

GST_END_TEST;

/* baresip does not verify our certificate as a client (NOTES.md), but we
 * verify its: a certificate from a CA we do not trust gets the
 * certificate ERROR and not one SIP byte reaches baresip */
GST_START_TEST (test_untrusted_baresip_refused)
{
  Baresip *b = baresip_start ("untrusted", NULL);
  PgsmTestPhone *alice = interop_phone_new ("alice", OUR_FREQ);
  g_autofree gchar *uri = g_strdup_printf ("sips:baresip@127.0.0.1:%u",
      b->port + 1);
  GstMessage *msg;
  GError *err = NULL;
  gchar *dbg = NULL;

  /* trust only the "other" root: baresip's chain does not lead there */
  g_object_set (alice->bin, "listen-uri", "sips:127.0.0.1:0", "local-uri",
      "sips:alice@127.0.0.1", "ca-file", pki->other_root_ca_file,
      "remote-uri", uri, NULL);
  pgsm_test_phone_start (alice);
  msg = pgsm_test_phone_wait_error (alice);
  gst_message_parse_error (msg, &err, &dbg);
  fail_unless (g_error_matches (err, PGSM_TLS_ERROR,
          PGSM_TLS_ERROR_CERTIFICATE_NOT_TRUSTED), "%s", err->message);
  fail_unless_equals_string (err->message,
      PGSM_CERTIFICATE_NOT_TRUSTED_MESSAGE);
  GST_INFO ("refused: %s", dbg);
  g_clear_error (&err);
  g_free (dbg);
  gst_message_unref (msg);
  /* give a stray INVITE time to arrive, then look for it */
  g_usleep (500 * 1000);
  fail_if (interop_process_log_find (b->proc, "INVITE sips:") != NULL,
      "an INVITE reached baresip");

  pgsm_test_phone_free (alice);
  baresip_stop (b);
}

GST_END_TEST;

static Suite *
interop_baresip_suite (void)
{
  Suite *s = suite_create ("interop_baresip");
  TCase *tc = tcase_create ("general");

  tcase_add_unchecked_fixture (tc, suite_setup, suite_teardown);
  tcase_set_timeout (tc, 50);
  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_call_baresip);
  tcase_add_test (tc, test_untrusted_baresip_refused);
  return s;
}

int
main (int argc, char **argv)
{
  gst_check_init (&argc, &argv);
  if (!baresip_available ())
    return 77;
  return gst_check_run_suite (interop_baresip_suite (), "interop_baresip",
      __FILE__);
}

#else /* BARESIP_CALLS_US */

/* In baresip's SIP trace (-s), the line before the first message line
 * that starts with @start: "TLS <from> -> <to>", the connection it went
 * over. Newly allocated; fails the test when there is none. */
static gchar *
trace_connection (Baresip * b, const gchar * start)
{
  g_autofree gchar *text = NULL;
  g_auto (GStrv) lines = NULL;
  guint i;

  fail_unless (g_file_get_contents (b->proc->log_file, &text, NULL, NULL));
  lines = g_strsplit (text, "\n", -1);
  for (i = 1; lines[i] != NULL; i++)
    if (g_str_has_prefix (lines[i], start)) {
      fail_unless (g_str_has_prefix (lines[i - 1], "TLS "),
          "\"%s\" not over TLS: %s", start, lines[i - 1]);
      return g_strdup (lines[i - 1]);
    }
  fail ("no \"%s\" in %s", start, b->proc->log_file);
  return NULL;
}

/* baresip dials our listening bin: sip:bob@127.0.0.1:<port>;transport=tls
 * (it cannot dial sips:). Our bin accepts its offer (SDES, RTP/SAVP) and
 * answers; as the Request-URI is a sip: one, the Contact of our 180 and
 * 200 is sip:127.0.0.1:<port>;transport=tls (RFC 3261 12.1.1), which
 * baresip can send to: its ACK reaches us over the TLS connection it
 * opened, and the call is established on both sides. */
typedef struct
{
  PgsmTestCert *cert;
  PgsmTestPhone *bob;
  Baresip *b;
  gchar *call_id;
  guint port;                   /* bob's TLS port */
  gchar *invite_conn;           /* "TLS <baresip> -> <bob>", of the INVITE */
} IncomingCall;

static IncomingCall *
incoming_call_start (const gchar * test)
{
  IncomingCall *c = g_new0 (IncomingCall, 1);
  g_autofree gchar *dial = NULL, *contact = NULL, *ack = NULL;
  g_autofree gchar *closed = NULL, *ack_conn = NULL, *seen = NULL;
  GstMessage *msg;

  c->cert = pgsm_test_pki_issue_server (pki, "bob", "127.0.0.1");
  c->bob = interop_phone_new ("bob", OUR_FREQ);
  g_object_set (c->bob->bin, "listen-uri", "sips:127.0.0.1:0", "local-uri",
      "sips:bob@127.0.0.1", "cert-file", c->cert->chain_file, "key-file",
      c->cert->key_file, "ca-file", pki->root_ca_file, "auto-answer", TRUE,
      NULL);
  pgsm_test_phone_start (c->bob);
  g_object_get (c->bob->bin, "bound-port", &c->port, NULL);
  fail_unless (c->port != 0);
  dial = g_strdup_printf ("sip:bob@127.0.0.1:%u;transport=tls", c->port);
  c->b = baresip_start (test, dial);

  msg = pgsm_test_phone_wait (c->bob, "incoming");
  c->call_id = g_strdup (pgsm_test_phone_msg_string (msg, "call-id"));
  fail_unless_equals_string (pgsm_test_phone_msg_string (msg, "request-uri"),
      dial);
  fail_unless (g_str_has_prefix (pgsm_test_phone_msg_string (msg, "remote-uri"),
          "sip:baresip@127.0.0.1"));
  gst_message_unref (msg);
  msg = pgsm_test_phone_wait (c->bob, "secured");
  fail_unless_equals_string (pgsm_test_phone_msg_string (msg, "call-id"),
      c->call_id);
  fail_unless_equals_string (pgsm_test_phone_msg_string (msg, "suite"),
      "AES_CM_128_HMAC_SHA1_80");
  fail_unless_equals_string (pgsm_test_phone_msg_string (msg, "codec"), "PCMU");
  gst_message_unref (msg);

  /* baresip's ACK: `established`. Without it (a sips: Contact again, say)
   * baresip gives up with "session closed: Function not implemented" */
  msg =
      pgsm_test_phone_wait_full (c->bob, "established", 10,
      PGSM_TEST_PHONE_WAIT_NULL_AT_BOUND, NULL);
  if (msg == NULL)
    closed = interop_process_log_find (c->b->proc, "session closed");
  fail_unless (msg != NULL, "no ACK from baresip within 10 s (its log: %s)",
      closed != NULL ? g_strstrip (closed) : "no closed session");
  fail_unless_equals_string (pgsm_test_phone_msg_string (msg, "call-id"),
      c->call_id);
  gst_message_unref (msg);
  fail_unless (interop_process_wait_log (c->b->proc, "Call established", 5));
  fail_unless (interop_process_wait_log (c->b->proc,
          "SRTP is Enabled (cryptosuite=AES_CM_128_HMAC_SHA1_80)", 1));
  /* what baresip received (its -s trace): a sip: Contact for TLS, and the
   * ACK went there */
  contact = g_strdup_printf ("Contact: <sip:127.0.0.1:%u;transport=tls>",
      c->port);
  seen = interop_process_log_find (c->b->proc, contact);
  fail_unless (seen != NULL, "no \"%s\" in %s", contact, c->b->proc->log_file);
  fail_if (interop_process_log_find (c->b->proc, "Contact: <sips:") != NULL,
      "a sips: Contact reached baresip");
  ack = g_strdup_printf ("ACK sip:127.0.0.1:%u;transport=tls SIP/2.0", c->port);
  /* over the connection of its INVITE */
  c->invite_conn = trace_connection (c->b, "INVITE sip:bob@");
  ack_conn = trace_connection (c->b, ack);
  fail_unless_equals_string (ack_conn, c->invite_conn);
  GST_INFO ("INVITE and ACK: %s", ack_conn);
  return c;
}

static void
incoming_call_free (IncomingCall * c)
{
  g_free (c->call_id);
  g_free (c->invite_conn);
  baresip_stop (c->b);
  pgsm_test_phone_free (c->bob);
  pgsm_test_cert_free (c->cert);
  g_free (c);
}

/* The full call: audio both ways, we hang up (our BYE goes back through
 * baresip's connection) */
GST_START_TEST (test_baresip_calls_us)
{
  IncomingCall *c = incoming_call_start ("incoming");
  GstMessage *msg;

  pgsm_test_phone_assert_tone (c->bob, pgsm_test_phone_n_samples (c->bob),
      BARESIP_FREQ, RMS_MIN, RMS_MAX);
  wait_recorded (c->b, 2.0);
  pgsm_test_phone_action (c->bob, "hangup", c->call_id);
  msg = pgsm_test_phone_wait (c->bob, "ended");
  fail_unless_equals_int (pgsm_test_phone_msg_uint (msg, "status"), 200);
  gst_message_unref (msg);
  assert_baresip_heard (c->b, OUR_FREQ);
  assert_only_expected_warnings (c->bob, 2);
  incoming_call_free (c);
}

GST_END_TEST;

/* baresip hangs up (SIGTERM: it ends its calls with BYE before it exits):
 * its in-dialog BYE, to our sip:;transport=tls Contact, reaches us over
 * its TLS connection and ends the call on our side */
GST_START_TEST (test_baresip_hangs_up)
{
  IncomingCall *c = incoming_call_start ("incoming-bye");
  g_autofree gchar *bye = NULL, *bye_conn = NULL;
  GstMessage *msg;

  pgsm_test_phone_assert_tone (c->bob, pgsm_test_phone_n_samples (c->bob),
      BARESIP_FREQ, RMS_MIN, RMS_MAX);
  fail_unless (interop_process_stop (c->b->proc, 5000),
      "baresip needed SIGKILL");
  bye = g_strdup_printf ("BYE sip:127.0.0.1:%u;transport=tls SIP/2.0", c->port);
  bye_conn = trace_connection (c->b, bye);
  fail_unless_equals_string (bye_conn, c->invite_conn);
  msg = pgsm_test_phone_wait (c->bob, "ended");
  fail_unless_equals_string (pgsm_test_phone_msg_string (msg, "call-id"),
      c->call_id);
  GST_INFO ("ended by baresip: %" GST_PTR_FORMAT,
      gst_message_get_structure (msg));
  gst_message_unref (msg);
  /* its PING, and its RTCP BYE when it hung up */
  assert_only_expected_warnings (c->bob, 2);
  incoming_call_free (c);
}

GST_END_TEST;

static Suite *
interop_baresip_incoming_suite (void)
{
  Suite *s = suite_create ("interop_baresip_incoming");
  TCase *tc = tcase_create ("general");

  tcase_add_unchecked_fixture (tc, suite_setup, suite_teardown);
  tcase_set_timeout (tc, 50);
  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_baresip_calls_us);
  tcase_add_test (tc, test_baresip_hangs_up);
  return s;
}

int
main (int argc, char **argv)
{
  gst_check_init (&argc, &argv);
  if (!baresip_available ())
    return 77;
  return interop_run_suite (interop_baresip_incoming_suite (),
      "interop_baresip_incoming", __FILE__);
}

#endif /* BARESIP_CALLS_US */
