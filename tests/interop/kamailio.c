/* gst-pgsm
 * Copyright (C) 2026 gst-pgsm contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* pgsmsipbin against Kamailio (Debian's kamailio + kamailio-tls-modules),
 * a SIP registrar and proxy we did not write, on loopback over TLS only,
 * with tests/interop/kamailio/kamailio.cfg and a server certificate of the
 * test PKI made when the test runs. Two bins, alice and bob, REGISTER
 * (digest, 401) to it; alice calls bob's address of record through it
 * (digest, 407), SRTP audio both ways is measured (440 Hz one way, 1000 Hz
 * the other), then either side hangs up through the proxy; hold, resume
 * and rekey (re-INVITEs) go through it too. Neither bin
 * has a certificate of its own (phones in the field have none): kamailio
 * reaches each through the TLS connection it opened. Also a call to an
 * address of record nobody registered (404).
 *
 * Built twice:
 *   interop_kamailio       the calls above;
 *   interop_kamailio_auth  (KAMAILIO_AUTH_FAILURES) a wrong password, for
 *                          REGISTER and for INVITE: kamailio refuses the
 *                          digest with a fresh challenge, which the bin
 *                          must not answer again: the ERROR
 *                          NOT_AUTHORIZED and `failed` 401 for REGISTER,
 *                          `failed` 407 for INVITE, nothing at bob.
 *
 * Kamailio is started on a free port with its own run directory and
 * stopped by PID at the end of each test (and at exit, see interop.h).
 * Its log is kept in the build directory (kamailio-<test>.log) for a look
 * after a failure. Without kamailio installed the program prints why and
 * exits 77, which meson reports as SKIP. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>
#include <glib/gstdio.h>
#include <gst/check/gstcheck.h>
#include "interop.h"
#include "pki.h"

#define DOMAIN "pgsm.test"
#define PASSWORD "interop-pw-5Kd2"
#define ALICE_FREQ 440.0
#define BOB_FREQ 1000.0
/* a 0.5-volume sine has an RMS of ~11585; G.711 keeps it within a few % */
#define RMS_MIN 8000
#define RMS_MAX 14000

static PgsmTestPki *pki;

typedef struct
{
  gchar *dir;                   /* tls.cfg and kamailio's run directory */
  guint port;                   /* its TLS port on 127.0.0.1 */
  gchar *uri;                   /* sips:127.0.0.1:port */
  PgsmTestCert *cert;
  InteropProcess *proc;
} Kamailio;

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

/* Kamailio's TLS domains: as a server it presents a certificate of the
 * test PKI for 127.0.0.1 (what both bins check, RFC 5922); as a client
 * (should it ever open a connection to a phone that listens, which the
 * configuration avoids) it would check the phone's chain against the
 * same root */
static void
write_tls_cfg (Kamailio * k, const gchar * path)
{
  static const gchar format[] =
      "[server:default]\n"
      "method = TLSv1.2+\n"
      "certificate = %s\n"
      "private_key = %s\n"
      "ca_list = %s\n"
      "verify_certificate = no\n"
      "require_certificate = no\n"
      "\n"
      "[client:default]\n"
      "method = TLSv1.2+\n"
      "ca_list = %s\n"
      "verify_certificate = yes\n" "require_certificate = yes\n";
  g_autofree gchar *cfg = g_strdup_printf (format, k->cert->chain_file,
      k->cert->key_file, pki->root_ca_file, pki->root_ca_file);

  fail_unless (g_file_set_contents (path, cfg, -1, NULL));
}

static Kamailio *
kamailio_start (const gchar * test)
{
  Kamailio *k = g_new0 (Kamailio, 1);
  g_autofree gchar *cfg = g_build_filename (TEST_SOURCE_DIR, "kamailio",
      "kamailio.cfg", NULL);
  g_autofree gchar *tls_cfg = NULL, *listen = NULL, *pw_define = NULL;
  g_autofree gchar *tls_define = NULL, *log = NULL;

  k->dir = interop_tmp_dir_new ("pgsm-kamailio");
  k->cert = pgsm_test_pki_issue_server (pki, "kamailio", "127.0.0.1");
  tls_cfg = g_build_filename (k->dir, "tls.cfg", NULL);
  write_tls_cfg (k, tls_cfg);
  k->port = interop_free_tcp_port ();
  k->uri = g_strdup_printf ("sips:127.0.0.1:%u", k->port);
  listen = g_strdup_printf ("tls:127.0.0.1:%u", k->port);
  pw_define = g_strdup_printf ("PGSM_PASSWORD=\"%s\"", PASSWORD);
  tls_define = g_strdup_printf ("PGSM_TLS_CFG=\"%s\"", tls_cfg);
  log = g_strdup_printf ("%s/kamailio-%s.log", TEST_BUILD_DIR, test);
  {
    /* -DD: stay in the foreground (its PID is ours to stop) while the
     * workers fork; -E: log to stderr (our log file); -Y: run directory
     * (FIFO/ctl files) in our temporary directory, not /run/kamailio */
    const gchar *argv[] = { "kamailio", "-f", cfg, "-DD", "-E",
      "-l", listen, "-Y", k->dir, "-m", "64", "-M", "8",
      "-A", pw_define, "-A", tls_define, NULL
    };

    k->proc = interop_process_start ("kamailio", argv, NULL, log);
  }
  fail_unless (interop_wait_accepting (k->proc, k->port, 10),
      "kamailio does not accept TLS on port %u (log: %s)", k->port, log);
  return k;
}

static void
kamailio_stop (Kamailio * k)
{
  /* kamailio ends its workers and itself on SIGTERM within ~0.1 s */
  fail_unless (interop_process_stop (k->proc, 5000), "kamailio needed SIGKILL");
  interop_process_free (k->proc);
  /* tls.cfg, and whatever kamailio left in its run directory (nothing
   * is expected) */
  fail_unless (interop_tmp_dir_remove (k->dir));
  pgsm_test_cert_free (k->cert);
  g_free (k->dir);
  g_free (k->uri);
  g_free (k);
}

/* A kamailio log line containing @needle was written (its xlog prints
 * every request it routes: "<method> <R-URI> from <ip:port> (<proto>)") */
static void
assert_kamailio_saw (Kamailio * k, const gchar * needle)
{
  fail_unless (interop_process_wait_log (k->proc, needle, 3),
      "no '%s' in %s", needle, k->proc->log_file);
}

/* A phone of @user@pgsm.test that registers with @k (digest with
 * @password) and sends every request through it (`proxy`). No
 * certificate: like a phone in the field it accepts no TLS connection,
 * kamailio reaches it through the connection it opened. */
static PgsmTestPhone *
phone_new_full (Kamailio * k, const gchar * user, gdouble freq,
    const gchar * password, gboolean do_register)
{
  PgsmTestPhone *p = interop_phone_new (user, freq);
  g_autofree gchar *aor = g_strdup_printf ("sips:%s@" DOMAIN, user);

  g_object_set (p->bin, "listen-uri", "sips:127.0.0.1:0", "local-uri", aor,
      "registrar", do_register ? k->uri : NULL, "proxy", k->uri,
      "username", user, "password", password,
      "ca-file", pki->root_ca_file, "auto-answer", TRUE, NULL);
  pgsm_test_phone_start (p);
  return p;
}

static PgsmTestPhone *
phone_new (Kamailio * k, const gchar * user, gdouble freq,
    const gchar * password)
{
  return phone_new_full (k, user, freq, password, TRUE);
}

static void
assert_registered (Kamailio * k, PgsmTestPhone * p)
{
  GstMessage *msg;
  g_autofree gchar *digest = g_strdup_printf ("digest ok: %s REGISTER",
      p->name);

  gst_message_unref (pgsm_test_phone_wait (p, "registering"));
  msg = pgsm_test_phone_wait (p, "registered");
  fail_unless_equals_int (pgsm_test_phone_msg_uint (msg, "status"), 200);
  /* we ask for 600 s, kamailio grants up to its max_expires (3600) */
  fail_unless_equals_int (pgsm_test_phone_msg_uint (msg, "expires"), 600);
  gst_message_unref (msg);
  /* kamailio challenged (401) and checked the answer */
  assert_kamailio_saw (k, digest);
}

static gboolean
kamailio_available (void)
{
  g_autofree gchar *k = interop_find_program ("kamailio");
  gboolean tls = g_file_test
      ("/usr/lib/x86_64-linux-gnu/kamailio/modules/tls.so", G_FILE_TEST_EXISTS);

  if (!tls) {
    /* another architecture: ask kamailio where its modules are */
    g_autofree gchar *out = NULL;

    if (k != NULL && g_spawn_command_line_sync ("kamailio -h", &out, NULL,
            NULL, NULL) && out != NULL) {
      const gchar *p = strstr (out, "Modules search path (default: ");

      if (p != NULL) {
        g_autofree gchar *dir = g_strndup (p + 30, strcspn (p + 30, ")"));
        g_autofree gchar *so = g_build_filename (dir, "tls.so", NULL);

        tls = g_file_test (so, G_FILE_TEST_EXISTS);
      }
    }
  }
  if (k == NULL)
    g_print ("SKIP: kamailio is not installed (Debian: kamailio "
        "kamailio-tls-modules; scripts/install-deps.sh installs them)\n");
  else if (!tls)
    g_print ("SKIP: kamailio's tls module is not installed (Debian: "
        "kamailio-tls-modules)\n");
  return k != NULL && tls;
}

#ifndef KAMAILIO_AUTH_FAILURES

/* alice calls bob's address of record through @k: kamailio challenges
 * (407) and checks the answer, finds bob's contact, and relays on bob's
 * own connection; both sides secured, the certificate alice checked is
 * kamailio's (her next hop), audio both ways; returns the call-id */
static gchar *
call_bob (Kamailio * k, PgsmTestPhone * alice, PgsmTestPhone * bob)
{
  GstMessage *msg;
  gchar *call_id = pgsm_test_phone_call (alice, "sips:bob@" DOMAIN);

  msg = pgsm_test_phone_wait (bob, "incoming");
  fail_unless_equals_string (pgsm_test_phone_msg_string (msg, "call-id"),
      call_id);
  fail_unless (g_str_has_prefix (pgsm_test_phone_msg_string (msg, "remote-uri"),
          "sips:alice@" DOMAIN), "%s", pgsm_test_phone_msg_string (msg,
          "remote-uri"));
  gst_message_unref (msg);
  assert_kamailio_saw (k, "challenge 407 INVITE from alice");
  assert_kamailio_saw (k, "digest ok: alice INVITE");

  msg = pgsm_test_phone_wait (alice, "secured");
  fail_unless_equals_string (pgsm_test_phone_msg_string (msg, "call-id"),
      call_id);
  fail_unless_equals_string (pgsm_test_phone_msg_string (msg, "suite"),
      "AES_CM_128_HMAC_SHA1_80");
  fail_unless_equals_string (pgsm_test_phone_msg_string (msg, "codec"), "PCMU");
  fail_unless_equals_string (pgsm_test_phone_msg_string (msg,
          "peer-certificate-sha256"), k->cert->sha256);
  gst_message_unref (msg);
  msg = pgsm_test_phone_wait (bob, "secured");
  fail_unless_equals_string (pgsm_test_phone_msg_string (msg, "call-id"),
      call_id);
  fail_unless_equals_string (pgsm_test_phone_msg_string (msg, "suite"),
      "AES_CM_128_HMAC_SHA1_80");
  gst_message_unref (msg);
  /* alice's `established` needs bob's 200 back through kamailio, bob's
   * needs alice's ACK forth through it (the Record-Route and alias) */
  gst_message_unref (pgsm_test_phone_wait (alice, "established"));
  gst_message_unref (pgsm_test_phone_wait (bob, "established"));

  pgsm_test_phone_assert_tone (alice, pgsm_test_phone_n_samples (alice),
      BOB_FREQ, RMS_MIN, RMS_MAX);
  pgsm_test_phone_assert_tone (bob, pgsm_test_phone_n_samples (bob), ALICE_FREQ,
      RMS_MIN, RMS_MAX);
  return call_id;
}

/* Both register; alice calls bob through kamailio, audio both ways, alice
 * hangs up: the BYE follows the Record-Route through kamailio to bob */
GST_START_TEST (test_register_call_hangup)
{
  Kamailio *k = kamailio_start ("register_call_hangup");
  PgsmTestPhone *alice, *bob;
  gchar *call_id;

  bob = phone_new (k, "bob", BOB_FREQ, PASSWORD);
  alice = phone_new (k, "alice", ALICE_FREQ, PASSWORD);
  assert_registered (k, bob);
  assert_registered (k, alice);

  call_id = call_bob (k, alice, bob);
  pgsm_test_phone_action (alice, "hangup", call_id);
  gst_message_unref (pgsm_test_phone_wait (alice, "ended"));
  gst_message_unref (pgsm_test_phone_wait (bob, "ended"));
  assert_kamailio_saw (k, "BYE sips:127.0.0.1");
  g_free (call_id);

  pgsm_test_phone_free (alice);
  pgsm_test_phone_free (bob);
  kamailio_stop (k);
}

GST_END_TEST;

/* Re-INVITEs inside the dialog go through kamailio both ways: alice holds
 * (bob stops sending) and resumes, bob rekeys; then the callee hangs up,
 * and kamailio brings bob's BYE back to alice through the connection she
 * called on (the ;alias it put in her Contact) */
GST_START_TEST (test_hold_rekey_callee_hangs_up)
{
  Kamailio *k = kamailio_start ("hold_rekey_callee_hangs_up");
  PgsmTestPhone *alice, *bob;
  GstMessage *msg;
  gchar *call_id;
  gboolean rekeyed = FALSE;

  bob = phone_new (k, "bob", BOB_FREQ, PASSWORD);
  alice = phone_new (k, "alice", ALICE_FREQ, PASSWORD);
  assert_registered (k, bob);
  assert_registered (k, alice);
  call_id = call_bob (k, alice, bob);

  pgsm_test_phone_action (alice, "hold", call_id);
  msg = pgsm_test_phone_wait (alice, "held");
  fail_unless_equals_string (pgsm_test_phone_msg_string (msg, "held-by"),
      "local");
  gst_message_unref (msg);
  msg = pgsm_test_phone_wait (bob, "held");
  fail_unless_equals_string (pgsm_test_phone_msg_string (msg, "held-by"),
      "remote");
  gst_message_unref (msg);
  /* alice still sends while she holds */
  pgsm_test_phone_assert_tone (bob, pgsm_test_phone_n_samples (bob), ALICE_FREQ,
      RMS_MIN, RMS_MAX);
  pgsm_test_phone_action (alice, "resume", call_id);
  gst_message_unref (pgsm_test_phone_wait (alice, "secured"));
  gst_message_unref (pgsm_test_phone_wait (bob, "secured"));
  pgsm_test_phone_assert_tone (alice, pgsm_test_phone_n_samples (alice),
      BOB_FREQ, RMS_MIN, RMS_MAX);

  /* a fresh key for what bob sends, in force on both sides */
  pgsm_test_phone_action (bob, "rekey", call_id);
  msg = pgsm_test_phone_wait (bob, "secured");
  fail_unless (gst_structure_get_boolean (gst_message_get_structure (msg),
          "rekeyed", &rekeyed) && rekeyed);
  gst_message_unref (msg);
  msg = pgsm_test_phone_wait (alice, "secured");
  fail_unless (gst_structure_get_boolean (gst_message_get_structure (msg),
          "rekeyed", &rekeyed) && rekeyed);
  gst_message_unref (msg);
  pgsm_test_phone_assert_tone (alice, pgsm_test_phone_n_samples (alice),
      BOB_FREQ, RMS_MIN, RMS_MAX);
  pgsm_test_phone_assert_tone (bob, pgsm_test_phone_n_samples (bob), ALICE_FREQ,
      RMS_MIN, RMS_MAX);

  pgsm_test_phone_action (bob, "hangup", call_id);
  gst_message_unref (pgsm_test_phone_wait (bob, "ended"));
  gst_message_unref (pgsm_test_phone_wait (alice, "ended"));
  g_free (call_id);

  pgsm_test_phone_free (alice);
  pgsm_test_phone_free (bob);
  kamailio_stop (k);
}

GST_END_TEST;

/* Calling an address of record nobody registered: kamailio's 404 ends
 * the call `failed` with that status */
GST_START_TEST (test_call_unregistered_user)
{
  Kamailio *k = kamailio_start ("call_unregistered_user");
  PgsmTestPhone *alice = phone_new (k, "alice", ALICE_FREQ, PASSWORD);
  GstMessage *msg;
  gchar *call_id;

  assert_registered (k, alice);
  call_id = pgsm_test_phone_call (alice, "sips:carol@" DOMAIN);
  msg = pgsm_test_phone_wait (alice, "failed");
  fail_unless_equals_string (pgsm_test_phone_msg_string (msg, "call-id"),
      call_id);
  fail_unless_equals_int (pgsm_test_phone_msg_uint (msg, "status"), 404);
  gst_message_unref (msg);
  assert_kamailio_saw (k, "carol is not registered");
  g_free (call_id);

  pgsm_test_phone_free (alice);
  kamailio_stop (k);
}

GST_END_TEST;

#define SUITE_NAME "interop_kamailio"

static Suite *
interop_kamailio_suite (void)
{
  Suite *s = suite_create (SUITE_NAME);
  TCase *tc = tcase_create ("general");

  tcase_add_unchecked_fixture (tc, suite_setup, suite_teardown);
  tcase_set_timeout (tc, 50);
  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_register_call_hangup);
  tcase_add_test (tc, test_hold_rekey_callee_hangs_up);
  tcase_add_test (tc, test_call_unregistered_user);
  return s;
}

#else /* KAMAILIO_AUTH_FAILURES */

/* Sofia-SIP 1.12.11's own status when a challenge is answered twice for
 * one realm: what the bin did before it stopped answering a second,
 * non-stale challenge (kamailio refuses a wrong digest with a fresh
 * challenge, not 403) */
#define SOFIA_NO_MATCHING_CHALLENGE 904

/* A wrong password: kamailio challenges again, the bin gives up with the
 * ERROR NOT_AUTHORIZED and `failed` 401; the password is in neither */
GST_START_TEST (test_register_wrong_password)
{
  Kamailio *k = kamailio_start ("register_wrong_password");
  PgsmTestPhone *bob = phone_new (k, "bob", BOB_FREQ, "not-the-password");
  gint64 deadline = g_get_monotonic_time () + INTEROP_WAIT_S * G_USEC_PER_SEC;
  gboolean got_error = FALSE;
  guint failed_status = 0;

  while ((!got_error || failed_status == 0)
      && g_get_monotonic_time () < deadline) {
    GstMessage *msg = gst_bus_timed_pop (bob->bus, 100 * GST_MSECOND);
    const GstStructure *s;
    GError *err = NULL;
    gchar *dbg = NULL;

    if (msg == NULL)
      continue;
    s = gst_message_get_structure (msg);
    if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR) {
      gst_message_parse_error (msg, &err, &dbg);
      GST_INFO ("ERROR %s (%s)", err->message, dbg);
      fail_unless (g_error_matches (err, GST_RESOURCE_ERROR,
              GST_RESOURCE_ERROR_NOT_AUTHORIZED), "%s", err->message);
      fail_if (strstr (dbg, "not-the-password") != NULL);
      got_error = TRUE;
    } else if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_WARNING) {
      gst_message_parse_warning (msg, &err, &dbg);
      GST_INFO ("WARNING %s (%s)", err->message, dbg);
      fail_if (strstr (dbg, "not-the-password") != NULL);
      /* no second answer with the same password, no retry loop */
      fail_if (strstr (dbg, "REGISTER: 904 ") != NULL, "%s", dbg);
    } else if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ELEMENT
        && gst_structure_has_name (s, "pgsm-call")) {
      fail_if (g_strcmp0 (gst_structure_get_string (s, "state"),
              "registered") == 0, "registered with a wrong password");
      if (g_strcmp0 (gst_structure_get_string (s, "state"), "failed") == 0)
        fail_unless (gst_structure_get_uint (s, "status", &failed_status));
    }
    g_clear_error (&err);
    g_free (dbg);
    gst_message_unref (msg);
  }
  assert_kamailio_saw (k, "challenge 401 REGISTER from bob");
  fail_if (interop_process_log_find (k->proc, "digest ok") != NULL);
  fail_unless (got_error, "no ERROR");
  /* kamailio answers a wrong digest with a new 401 challenge */
  fail_unless_equals_int (failed_status, 401);

  pgsm_test_phone_free (bob);
  kamailio_stop (k);
}

GST_END_TEST;

/* alice calls with a wrong password (bob registered, alice does not
 * register): kamailio challenges her INVITE again; the call fails with
 * kamailio's 407 and never reaches bob */
GST_START_TEST (test_invite_wrong_password)
{
  Kamailio *k = kamailio_start ("invite_wrong_password");
  PgsmTestPhone *bob = phone_new (k, "bob", BOB_FREQ, PASSWORD);
  PgsmTestPhone *alice;
  GstMessage *msg;
  gchar *call_id;
  guint status;

  assert_registered (k, bob);
  alice = phone_new_full (k, "alice", ALICE_FREQ, "not-the-password", FALSE);
  call_id = pgsm_test_phone_call (alice, "sips:bob@" DOMAIN);
  msg = pgsm_test_phone_wait (alice, "failed");
  fail_unless_equals_string (pgsm_test_phone_msg_string (msg, "call-id"),
      call_id);
  status = pgsm_test_phone_msg_uint (msg, "status");
  gst_message_unref (msg);
  assert_kamailio_saw (k, "challenge 407 INVITE from alice");
  fail_if (interop_process_log_find (k->proc, "digest ok: alice") != NULL);
  fail_if (pgsm_test_phone_wait_full (bob, "incoming", 1,
          PGSM_TEST_PHONE_WAIT_NULL_AT_BOUND, NULL) != NULL,
      "the INVITE reached bob");
  fail_if (status == SOFIA_NO_MATCHING_CHALLENGE,
      "the challenge was answered twice");
  fail_unless_equals_int (status, 407);
  g_free (call_id);

  pgsm_test_phone_free (alice);
  pgsm_test_phone_free (bob);
  kamailio_stop (k);
}

GST_END_TEST;

#define SUITE_NAME "interop_kamailio_auth"

static Suite *
interop_kamailio_suite (void)
{
  Suite *s = suite_create (SUITE_NAME);
  TCase *tc = tcase_create ("general");

  tcase_add_unchecked_fixture (tc, suite_setup, suite_teardown);
  tcase_set_timeout (tc, 50);
  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_register_wrong_password);
  tcase_add_test (tc, test_invite_wrong_password);
  return s;
}

#endif /* KAMAILIO_AUTH_FAILURES */

int
main (int argc, char **argv)
{
  gst_check_init (&argc, &argv);
  if (!kamailio_available ())
    return 77;
  return interop_run_suite (interop_kamailio_suite (), SUITE_NAME, __FILE__);
}
