/* gst-pgsm
 * Copyright (C) 2026 gst-pgsm contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* pgsmsipbin against SIP peers we did not write, which check our digest
 * credentials (RFC 3261 22): sipp with tests/sipp/registrar.xml (REGISTER)
 * and tests/sipp/uas-digest.xml (a 407 to our INVITE), the digest checked
 * by sipp's verifyauth, behind stunnel4 for TLS, on loopback, with a test
 * PKI made at run time. Both programs are stopped by PID. Skipped (with a
 * warning) when sipp or stunnel4 is not installed. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <gst/check/gstcheck.h>
#include <gst/pgsm/pgsm.h>
#include "sipphone.h"
#include "sipppeer.h"

#define PASSWORD "s3cret-pw-7Hq"

/* sipp -key values of the registrar scenario */
static const gchar *const password_keys[] = { "pass", PASSWORD, NULL };

/* alice with SIP over TLS and her digest credentials */
static PgsmTestPhone *
phone_new (const gchar * password)
{
  PgsmTestPhone *p = pgsm_test_phone_new (NULL, 440.0, 0.5);

  pgsm_test_phone_set_tls (p, NULL);
  g_object_set (p->bin, "local-uri", "sips:alice@127.0.0.1", "username",
      "alice", "password", password, NULL);
  return p;
}

/* alice registering at @r */
static PgsmTestPhone *
registering_new (const PgsmSippPeer * r, const gchar * password)
{
  PgsmTestPhone *p = phone_new (password);
  gchar *registrar = g_strdup_printf ("sips:127.0.0.1:%u", r->tls_port);

  g_object_set (p->bin, "registrar", registrar, NULL);
  g_free (registrar);
  return p;
}

/* REGISTER, 401 challenge, REGISTER with the digest, 200: `registering`
 * then `registered` with the expiry; the un-REGISTER at NULL is answered */
GST_START_TEST (test_register_digest)
{
  PgsmSippPeer r = { 0, };
  PgsmTestPhone *p;
  GstMessage *msg;

  if (!pgsm_sipp_available ())
    return;
  pgsm_sipp_peer_start_uas (&r, pgsm_test_phone_pki, "registrar.xml",
      password_keys);
  p = registering_new (&r, PASSWORD);
  pgsm_test_phone_start (p);
  gst_message_unref (pgsm_test_phone_wait (p, "registering"));
  msg = pgsm_test_phone_wait (p, "registered");
  fail_unless_equals_int (pgsm_test_phone_msg_uint (msg, "status"), 200);
  fail_unless_equals_int (pgsm_test_phone_msg_uint (msg, "expires"), 600);
  gst_message_unref (msg);
  pgsm_test_phone_free (p);
  pgsm_sipp_peer_clear (&r);
}

GST_END_TEST;

/* A wrong password: the registrar's 403 becomes an ERROR (NOT_AUTHORIZED)
 * and `failed`; the password never shows in the error */
GST_START_TEST (test_register_wrong_password)
{
  PgsmSippPeer r = { 0, };
  PgsmTestPhone *p;
  GstMessage *msg;
  GError *err = NULL;
  gchar *dbg = NULL;

  if (!pgsm_sipp_available ())
    return;
  pgsm_sipp_peer_start_uas (&r, pgsm_test_phone_pki, "registrar.xml",
      password_keys);
  p = registering_new (&r, "not-the-password");
  pgsm_test_phone_start (p);
  msg = pgsm_test_phone_wait_or_error (p, "registered");
  fail_unless_equals_int (GST_MESSAGE_TYPE (msg), GST_MESSAGE_ERROR);
  gst_message_parse_error (msg, &err, &dbg);
  fail_unless (g_error_matches (err, GST_RESOURCE_ERROR,
          GST_RESOURCE_ERROR_NOT_AUTHORIZED), "%s", err->message);
  fail_unless (strstr (dbg, "403") != NULL, "%s", dbg);
  fail_if (strstr (dbg, "not-the-password") != NULL);
  g_clear_error (&err);
  g_free (dbg);
  gst_message_unref (msg);
  pgsm_test_phone_free (p);
  pgsm_sipp_peer_clear (&r);
}

GST_END_TEST;

/* The registrar is down when the phone starts: a WARNING, `registering`
 * stays, and once the registrar is up the phone registers within the retry
 * interval (5 s) */
GST_START_TEST (test_registrar_down_then_back)
{
  PgsmSippPeer r = { 0, };
  PgsmTestPhone *p;
  gint64 t0;

  if (!pgsm_sipp_available ())
    return;
  pgsm_sipp_peer_reserve (&r);
  p = registering_new (&r, PASSWORD);
  pgsm_test_phone_start (p);
  gst_message_unref (pgsm_test_phone_wait (p, "registering"));
  /* the first attempt fails: connection refused */
  g_usleep (G_USEC_PER_SEC);
  pgsm_sipp_peer_start_uas (&r, pgsm_test_phone_pki, "registrar.xml",
      password_keys);
  t0 = g_get_monotonic_time ();
  gst_message_unref (pgsm_test_phone_wait (p, "registered"));
  GST_INFO ("registered %.1f s after the registrar came back, %u warnings",
      (g_get_monotonic_time () - t0) / 1e6, p->warnings);
  fail_unless (p->warnings >= 1);
  fail_unless (g_get_monotonic_time () - t0 < 8 * G_USEC_PER_SEC);
  pgsm_test_phone_free (p);
  pgsm_sipp_peer_clear (&r);
}

GST_END_TEST;

/* alice calling bob at @r; the peer sends no RTP: no media watch */
static PgsmTestPhone *
caller_new (const PgsmSippPeer * r, const gchar * password)
{
  PgsmTestPhone *p = phone_new (password);
  gchar *uri = g_strdup_printf ("sips:bob@127.0.0.1:%u", r->tls_port);

  g_object_set (p->bin, "remote-uri", uri, "media-timeout", 0, NULL);
  g_free (uri);
  return p;
}

/* sipp's uas-digest.xml expecting our digest; returns the UDP socket
 * standing for its media port */
static GSocket *
start_digest_uas (PgsmSippPeer * r)
{
  guint mport = 0;
  GSocket *media = pgsm_test_phone_media_socket (&mport);
  gchar *mp = g_strdup_printf ("%u", mport);
  const gchar *keys[] = { "pass", PASSWORD, "mport", mp, NULL };

  pgsm_sipp_peer_start_uas (r, pgsm_test_phone_pki, "uas-digest.xml", keys);
  g_free (mp);
  return media;
}

/* The end of a call to @r: sipp ran its whole scenario and exits 0 */
static void
finish_call (PgsmTestPhone * p, PgsmSippPeer * r, GSocket * media)
{
  fail_unless_equals_int (pgsm_sipp_peer_wait (r, 10), 0);
  pgsm_test_phone_free (p);
  pgsm_sipp_peer_clear (r);
  g_object_unref (media);
}

/* 407 to our INVITE: we answer the challenge, the peer checks the digest
 * and answers with SDES; the call is secured, SRTP reaches the peer's
 * media port, and our BYE completes the peer's scenario */
GST_START_TEST (test_invite_digest)
{
  PgsmSippPeer r = { 0, };
  PgsmTestPhone *p;
  GstMessage *msg;
  GSocket *media;
  guint packets = 0;
  gchar *call_id;
  guint8 buf[2048];
  gint64 deadline;

  if (!pgsm_sipp_available ())
    return;
  media = start_digest_uas (&r);
  p = caller_new (&r, PASSWORD);
  pgsm_test_phone_start (p);
  msg = pgsm_test_phone_wait (p, "secured");
  fail_unless_equals_string (pgsm_test_phone_msg_string (msg, "suite"),
      "AES_CM_128_HMAC_SHA1_80");
  call_id = g_strdup (p->call_id);
  gst_message_unref (msg);
  gst_message_unref (pgsm_test_phone_wait (p, "established"));

  /* SRTP at the peer's media port: RTP v2, 12 + 160 + 10 bytes */
  deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
  while (packets < 10 && g_get_monotonic_time () < deadline) {
    gssize n = g_socket_receive (media, (gchar *) buf, sizeof (buf), NULL,
        NULL);

    if (n < 0) {
      g_usleep (20 * 1000);
      continue;
    }
    fail_unless_equals_int (buf[0] >> 6, 2);
    fail_unless_equals_int (n, 12 + 160 + 10);
    packets++;
  }
  fail_unless (packets >= 10, "only %u packets at the peer", packets);

  pgsm_test_phone_action (p, "hangup", call_id);
  gst_message_unref (pgsm_test_phone_wait (p, "ended"));
  g_free (call_id);
  /* sipp saw the whole scenario: INVITE, 407, ACK, INVITE with the
   * digest, 200, ACK, BYE */
  finish_call (p, &r, media);
}

GST_END_TEST;

/* A wrong password: the peer's 403 after our answer ends the call
 * `failed` with that status */
GST_START_TEST (test_invite_wrong_password)
{
  PgsmSippPeer r = { 0, };
  PgsmTestPhone *p;
  GstMessage *msg;
  GSocket *media;

  if (!pgsm_sipp_available ())
    return;
  media = start_digest_uas (&r);
  p = caller_new (&r, "not-the-password");
  pgsm_test_phone_start (p);
  msg = pgsm_test_phone_wait (p, "failed");
  fail_unless_equals_int (pgsm_test_phone_msg_uint (msg, "status"), 403);
  gst_message_unref (msg);
  finish_call (p, &r, media);
}

GST_END_TEST;

/* Through an outbound proxy: the INVITE for a URI whose host does not
 * even resolve goes to the proxy, whose certificate is the one checked
 * (peer-certificate-sha256 of `secured` is the proxy's); the proxy
 * challenges, we answer, the call is secured */
GST_START_TEST (test_invite_through_proxy)
{
  PgsmSippPeer r = { 0, };
  PgsmTestPhone *p;
  GstMessage *msg;
  GSocket *media;
  gchar *proxy, *call_id;

  if (!pgsm_sipp_available ())
    return;
  media = start_digest_uas (&r);
  p = caller_new (&r, PASSWORD);
  proxy = g_strdup_printf ("sips:127.0.0.1:%u", r.tls_port);
  g_object_set (p->bin, "remote-uri", "sips:bob@pbx.invalid", "proxy", proxy,
      NULL);
  g_free (proxy);
  pgsm_test_phone_start (p);
  msg = pgsm_test_phone_wait (p, "secured");
  call_id = g_strdup (p->call_id);
  fail_unless (strlen (pgsm_test_phone_msg_string (msg,
              "peer-certificate-sha256")) == 64);
  gst_message_unref (msg);
  pgsm_test_phone_action (p, "hangup", call_id);
  gst_message_unref (pgsm_test_phone_wait (p, "ended"));
  g_free (call_id);
  finish_call (p, &r, media);
}

GST_END_TEST;

static Suite *
pgsmsipauth_suite (void)
{
  Suite *s = suite_create ("pgsmsipauth");
  TCase *tc = pgsm_test_phone_tcase_new (s, FALSE);

  tcase_add_test (tc, test_register_digest);
  tcase_add_test (tc, test_register_wrong_password);
  tcase_add_test (tc, test_registrar_down_then_back);
  tcase_add_test (tc, test_invite_digest);
  tcase_add_test (tc, test_invite_wrong_password);
  tcase_add_test (tc, test_invite_through_proxy);
  return s;
}

GST_CHECK_MAIN (pgsmsipauth);
