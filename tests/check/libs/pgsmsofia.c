/* gst-pgsm
 * Copyright (C) 2026 gst-pgsm contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* GstPgsmSofia, the Sofia-SIP glue of pgsmsipbin, without the bin: two
 * agents on loopback over TLS. Above all: Sofia's own transport verifies the
 * server (issue 4: "Sofia's own transport must verify too, so neither can
 * be bypassed") — with the bin's GnuTLS pre-check out of the way, an
 * untrusted server still never receives the INVITE. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>
#include <glib/gstdio.h>
#include <gst/check/gstcheck.h>
#include "gstpgsmsofia.h"
#include "pki.h"

#define WAIT_S 20
#define SDP "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\n" \
  "t=0 0\r\nm=audio 9 RTP/SAVP 0\r\n"

static gchar *pki_dir;
static PgsmTestPki *pki;

/* What one agent saw; written by its Sofia thread */
typedef struct
{
  GMutex lock;
  GCond cond;
  guint incoming;
  guint answered_status;
  gchar *dir;
} Seen;

static void
pki_setup (void)
{
  pki_dir = g_dir_make_tmp ("pgsm-sofia-pki-XXXXXX", NULL);
  fail_unless (pki_dir != NULL);
  pki = pgsm_test_pki_new (pki_dir);
}

static void
pki_teardown (void)
{
  pgsm_test_pki_free (pki);
  pki = NULL;
  g_clear_pointer (&pki_dir, g_free);
}

static void
copy_file (const gchar * src, const gchar * dir, const gchar * name,
    gboolean append)
{
  gchar *data = NULL, *path = g_build_filename (dir, name, NULL);
  gsize len = 0;
  FILE *f;

  fail_unless (g_file_get_contents (src, &data, &len, NULL));
  f = g_fopen (path, append ? "ab" : "wb");
  fail_unless (f != NULL);
  fail_unless (fwrite (data, 1, len, f) == len);
  fclose (f);
  g_free (data);
  g_free (path);
}

/* A Sofia certificate directory: agent.pem (key + chain) for a server,
 * cafile.pem with the root */
static gchar *
make_dir (const PgsmTestCert * server_cert)
{
  gchar *dir = g_dir_make_tmp ("pgsm-sofia-XXXXXX", NULL);

  fail_unless (dir != NULL);
  copy_file (pki->root_ca_file, dir, "cafile.pem", FALSE);
  if (server_cert != NULL) {
    copy_file (server_cert->key_file, dir, "agent.pem", FALSE);
    copy_file (server_cert->chain_file, dir, "agent.pem", TRUE);
    copy_file (pki->intermediate_file, dir, "cafile.pem", TRUE);
  }
  return dir;
}

static void
remove_dir (gchar * dir)
{
  gchar *p;

  p = g_build_filename (dir, "agent.pem", NULL);
  g_unlink (p);
  g_free (p);
  p = g_build_filename (dir, "cafile.pem", NULL);
  g_unlink (p);
  g_free (p);
  g_rmdir (dir);
  g_free (dir);
}

static void
incoming_cb (GstPgsmSofia * sofia, const gchar * call_id, const gchar * from,
    const gchar * request_uri, const gchar * sdp, Seen * seen)
{
  gst_pgsm_sofia_respond (sofia, call_id, 486, NULL, NULL);
  g_mutex_lock (&seen->lock);
  seen->incoming++;
  g_cond_broadcast (&seen->cond);
  g_mutex_unlock (&seen->lock);
}

static void
answered_cb (GstPgsmSofia * sofia, const gchar * call_id, guint status,
    const gchar * phrase, const gchar * sdp, Seen * seen)
{
  g_mutex_lock (&seen->lock);
  seen->answered_status = status;
  g_cond_broadcast (&seen->cond);
  g_mutex_unlock (&seen->lock);
}

static GstPgsmSofia *
agent_new (const PgsmTestCert * cert, gboolean verify, Seen * seen)
{
  GstPgsmSofiaConfig config = { 0, };
  GstPgsmSofia *sofia;
  GError *err = NULL;

  g_mutex_init (&seen->lock);
  g_cond_init (&seen->cond);
  seen->dir = make_dir (cert);
  config.bind_url = "sips:127.0.0.1:0";
  config.certificate_dir = seen->dir;
  config.verify_outgoing = verify;
  /* Sofia reports a refused TLS connection only when timer B (64*T1)
   * fires: a short T1 keeps the test short */
  config.sip_t1_ms = 50;
  sofia = gst_pgsm_sofia_new (&config, &err);
  fail_unless (sofia != NULL, "%s", err ? err->message : "");
  fail_unless (gst_pgsm_sofia_get_bound_port (sofia) != 0);
  g_signal_connect (sofia, "incoming", G_CALLBACK (incoming_cb), seen);
  g_signal_connect (sofia, "answered", G_CALLBACK (answered_cb), seen);
  return sofia;
}

static void
agent_free (GstPgsmSofia * sofia, Seen * seen)
{
  gst_pgsm_sofia_shutdown (sofia);
  g_object_unref (sofia);
  remove_dir (seen->dir);
  g_mutex_clear (&seen->lock);
  g_cond_clear (&seen->cond);
}

/* Calls a server presenting @spec's certificate, Sofia verification on or
 * off; returns the final status the client got and whether the server saw
 * the INVITE */
static guint
call_server (const PgsmTestCertSpec * spec, gboolean verify,
    gboolean * server_saw)
{
  PgsmTestCert *cert = spec ? pgsm_test_pki_issue (pki, spec) :
      pgsm_test_pki_issue_server (pki, "good", "127.0.0.1");
  Seen server_seen = { 0, }, client_seen = { 0, };
  GstPgsmSofia *server = agent_new (cert, FALSE, &server_seen);
  GstPgsmSofia *client = agent_new (NULL, verify, &client_seen);
  gchar *uri, *id;
  gint64 deadline = g_get_monotonic_time () + WAIT_S * G_USEC_PER_SEC;
  guint status;

  uri = g_strdup_printf ("sips:bob@127.0.0.1:%u",
      gst_pgsm_sofia_get_bound_port (server));
  id = gst_pgsm_sofia_new_call_id ();
  gst_pgsm_sofia_invite (client, id, uri, SDP);

  g_mutex_lock (&client_seen.lock);
  while (client_seen.answered_status == 0)
    if (!g_cond_wait_until (&client_seen.cond, &client_seen.lock, deadline))
      break;
  status = client_seen.answered_status;
  g_mutex_unlock (&client_seen.lock);
  fail_unless (status != 0, "no final response within %d s", WAIT_S);

  agent_free (client, &client_seen);
  agent_free (server, &server_seen);
  *server_saw = server_seen.incoming > 0;
  g_free (uri);
  g_free (id);
  pgsm_test_cert_free (cert);
  return status;
}

static const gchar *const loop_dns[] = { "127.0.0.1", NULL };
static const gchar *const loop_ips[] = { "127.0.0.1", NULL };
static const gchar *const other_dns[] = { "other.test", NULL };

GST_START_TEST (test_trusted_server_gets_invite)
{
  gboolean saw = FALSE;
  guint status = call_server (NULL, TRUE, &saw);

  /* the server answered 486 itself: the INVITE got through */
  fail_unless (saw);
  fail_unless_equals_int (status, 486);
}

GST_END_TEST;

static void
check_refused_by_sofia (const PgsmTestCertSpec * spec)
{
  gboolean saw = TRUE;
  guint status = call_server (spec, TRUE, &saw);

  fail_if (saw, "%s: the server received the INVITE", spec->name);
  /* 408: Sofia drops the connection and lets the transaction time out */
  fail_unless (status >= 400, "%s: status %u", spec->name, status);
  GST_INFO ("%s: refused locally with %u", spec->name, status);
}

GST_START_TEST (test_sofia_verifies_server)
{
  PgsmTestCertSpec spec;

  memset (&spec, 0, sizeof (spec));
  spec.name = "unknown-ca";
  spec.cn = "127.0.0.1";
  spec.dns = loop_dns;
  spec.ips = loop_ips;
  spec.signer = PGSM_TEST_SIGNER_OTHER_ROOT;
  check_refused_by_sofia (&spec);

  spec.name = "expired";
  spec.signer = PGSM_TEST_SIGNER_INTERMEDIATE;
  spec.not_before = -60 * 86400;
  spec.not_after = -86400;
  check_refused_by_sofia (&spec);

  spec.name = "self-signed";
  spec.not_before = spec.not_after = 0;
  spec.signer = PGSM_TEST_SIGNER_SELF;
  check_refused_by_sofia (&spec);

  spec.name = "name-mismatch";
  spec.signer = PGSM_TEST_SIGNER_INTERMEDIATE;
  spec.cn = "other.test";
  spec.dns = other_dns;
  spec.ips = NULL;
  check_refused_by_sofia (&spec);
}

GST_END_TEST;

/* The reason the policy is set at all: Sofia's default verifies nothing */
GST_START_TEST (test_without_policy_sofia_accepts_anything)
{
  PgsmTestCertSpec spec;
  gboolean saw = FALSE;

  memset (&spec, 0, sizeof (spec));
  spec.name = "unknown-ca-unverified";
  spec.cn = "127.0.0.1";
  spec.dns = loop_dns;
  spec.ips = loop_ips;
  spec.signer = PGSM_TEST_SIGNER_OTHER_ROOT;
  call_server (&spec, FALSE, &saw);
  fail_unless (saw);
}

GST_END_TEST;

GST_START_TEST (test_start_stop_cycles)
{
  guint i;

  for (i = 0; i < 5; i++) {
    Seen seen = { 0, };
    GstPgsmSofia *sofia = agent_new (NULL, TRUE, &seen);

    agent_free (sofia, &seen);
  }
}

GST_END_TEST;

GST_START_TEST (test_bad_bind_url)
{
  GstPgsmSofiaConfig config = { 0, };
  GError *err = NULL;

  config.bind_url = "sips:192.0.2.1:0"; /* not a local address */
  fail_unless (gst_pgsm_sofia_new (&config, &err) == NULL);
  fail_unless (err != NULL);
  g_error_free (err);
}

GST_END_TEST;

static Suite *
pgsmsofia_suite (void)
{
  Suite *s = suite_create ("pgsmsofia");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_checked_fixture (tc, pki_setup, pki_teardown);
  tcase_set_timeout (tc, 120);
  tcase_add_test (tc, test_start_stop_cycles);
  tcase_add_test (tc, test_bad_bind_url);
  tcase_add_test (tc, test_trusted_server_gets_invite);
  tcase_add_test (tc, test_sofia_verifies_server);
  tcase_add_test (tc, test_without_policy_sofia_accepts_anything);
  return s;
}

GST_CHECK_MAIN (pgsmsofia);
