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
#include "pki.h"
#include "sipppeer.h"

#define WAIT_S 20
#define PASSWORD "s3cret-pw-7Hq"

/* sipp -key values of the registrar scenario */
static const gchar *const password_keys[] = { "pass", PASSWORD, NULL };

static PgsmTestPki *pki;

static void
pki_setup (void)
{
  pki = pgsm_test_pki_new_tmp ("pgsm-reg-pki");
  fail_unless (pki != NULL);
}

static void
pki_teardown (void)
{
  g_clear_pointer (&pki, pgsm_test_pki_free);
}

typedef struct
{
  GstElement *pipeline;
  GstElement *bin;
  GstBus *bus;
} Phone;

static Phone *
phone_new (const PgsmSippPeer * r, const gchar * password)
{
  Phone *p = g_new0 (Phone, 1);
  gchar *registrar = g_strdup_printf ("sips:127.0.0.1:%u", r->tls_port);

  p->pipeline = gst_parse_launch ("audiotestsrc is-live=true ! "
      "pgsmsipbin name=sip ! fakesink sync=false", NULL);
  fail_unless (p->pipeline != NULL);
  p->bin = gst_bin_get_by_name (GST_BIN (p->pipeline), "sip");
  g_object_set (p->bin, "listen-uri", "sips:127.0.0.1:0",
      "local-uri", "sips:alice@127.0.0.1", "ca-file", pki->root_ca_file,
      "registrar", registrar, "username", "alice", "password", password,
      NULL);
  g_free (registrar);
  p->bus = gst_element_get_bus (p->pipeline);
  return p;
}

static void
phone_free (Phone * p)
{
  fail_unless_equals_int (gst_element_set_state (p->pipeline,
          GST_STATE_NULL), GST_STATE_CHANGE_SUCCESS);
  gst_object_unref (p->bus);
  gst_object_unref (p->bin);
  gst_object_unref (p->pipeline);
  g_free (p);
}

/* Pops messages until a `pgsm-call` in @state (returned), an ERROR
 * (returned when @error_ok) or a WARNING (counted in @warnings) */
static GstMessage *
wait_state (Phone * p, const gchar * state, gboolean error_ok,
    guint * warnings)
{
  gint64 deadline = g_get_monotonic_time () + WAIT_S * G_USEC_PER_SEC;

  while (g_get_monotonic_time () < deadline) {
    GstMessage *msg = gst_bus_timed_pop (p->bus, 100 * GST_MSECOND);
    const GstStructure *s;

    if (msg == NULL)
      continue;
    if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR) {
      GError *err = NULL;
      gchar *dbg = NULL;

      if (error_ok)
        return msg;
      gst_message_parse_error (msg, &err, &dbg);
      fail ("unexpected error waiting for '%s': %s (%s)", state,
          err->message, dbg);
    }
    if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_WARNING && warnings != NULL)
      (*warnings)++;
    s = gst_message_get_structure (msg);
    if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ELEMENT
        && gst_structure_has_name (s, "pgsm-call")
        && g_strcmp0 (gst_structure_get_string (s, "state"), state) == 0)
      return msg;
    gst_message_unref (msg);
  }
  fail ("no '%s' within %d s", state, WAIT_S);
  return NULL;
}

/* REGISTER, 401 challenge, REGISTER with the digest, 200: `registering`
 * then `registered` with the expiry; the un-REGISTER at NULL is answered */
GST_START_TEST (test_register_digest)
{
  PgsmSippPeer r = { 0, };
  Phone *p;
  GstMessage *msg;
  guint status = 0, expires = 0;

  if (!pgsm_sipp_available ())
    return;
  pgsm_sipp_peer_start_uas (&r, pki, "registrar.xml", password_keys);
  p = phone_new (&r, PASSWORD);
  fail_if (gst_element_set_state (p->pipeline, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE);
  gst_message_unref (wait_state (p, "registering", FALSE, NULL));
  msg = wait_state (p, "registered", FALSE, NULL);
  fail_unless (gst_structure_get_uint (gst_message_get_structure (msg),
          "status", &status));
  fail_unless (gst_structure_get_uint (gst_message_get_structure (msg),
          "expires", &expires));
  fail_unless_equals_int (status, 200);
  fail_unless_equals_int (expires, 600);
  gst_message_unref (msg);
  phone_free (p);
  pgsm_sipp_peer_clear (&r);
}

GST_END_TEST;

/* A wrong password: the registrar's 403 becomes an ERROR (NOT_AUTHORIZED)
 * and `failed`; the password never shows in the error */
GST_START_TEST (test_register_wrong_password)
{
  PgsmSippPeer r = { 0, };
  Phone *p;
  GstMessage *msg;
  GError *err = NULL;
  gchar *dbg = NULL;

  if (!pgsm_sipp_available ())
    return;
  pgsm_sipp_peer_start_uas (&r, pki, "registrar.xml", password_keys);
  p = phone_new (&r, "not-the-password");
  fail_if (gst_element_set_state (p->pipeline, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE);
  msg = wait_state (p, "registered", TRUE, NULL);
  fail_unless_equals_int (GST_MESSAGE_TYPE (msg), GST_MESSAGE_ERROR);
  gst_message_parse_error (msg, &err, &dbg);
  fail_unless (g_error_matches (err, GST_RESOURCE_ERROR,
          GST_RESOURCE_ERROR_NOT_AUTHORIZED), "%s", err->message);
  fail_unless (strstr (dbg, "403") != NULL, "%s", dbg);
  fail_if (strstr (dbg, "not-the-password") != NULL);
  g_clear_error (&err);
  g_free (dbg);
  gst_message_unref (msg);
  phone_free (p);
  pgsm_sipp_peer_clear (&r);
}

GST_END_TEST;

/* The registrar is down when the phone starts: a WARNING, `registering`
 * stays, and once the registrar is up the phone registers within the retry
 * interval (5 s) */
GST_START_TEST (test_registrar_down_then_back)
{
  PgsmSippPeer r = { 0, };
  Phone *p;
  guint warnings = 0;
  gint64 t0;

  if (!pgsm_sipp_available ())
    return;
  pgsm_sipp_peer_reserve (&r);
  p = phone_new (&r, PASSWORD);
  fail_if (gst_element_set_state (p->pipeline, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE);
  gst_message_unref (wait_state (p, "registering", FALSE, &warnings));
  /* the first attempt fails: connection refused */
  g_usleep (G_USEC_PER_SEC);
  pgsm_sipp_peer_start_uas (&r, pki, "registrar.xml", password_keys);
  t0 = g_get_monotonic_time ();
  gst_message_unref (wait_state (p, "registered", FALSE, &warnings));
  GST_INFO ("registered %.1f s after the registrar came back, %u warnings",
      (g_get_monotonic_time () - t0) / 1e6, warnings);
  fail_unless (warnings >= 1);
  fail_unless (g_get_monotonic_time () - t0 < 8 * G_USEC_PER_SEC);
  phone_free (p);
  pgsm_sipp_peer_clear (&r);
}

GST_END_TEST;

/* A UDP socket on loopback standing for the peer's RTP port */
static GSocket *
media_socket (guint * port)
{
  GInetAddress *lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  GSocketAddress *sa = g_inet_socket_address_new (lo, 0);
  GSocket *sock = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM,
      G_SOCKET_PROTOCOL_UDP, NULL);
  GSocketAddress *bound;

  fail_unless (g_socket_bind (sock, sa, FALSE, NULL));
  bound = g_socket_get_local_address (sock, NULL);
  *port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  g_socket_set_blocking (sock, FALSE);
  g_object_unref (bound);
  g_object_unref (sa);
  g_object_unref (lo);
  return sock;
}

static Phone *
caller_new (const PgsmSippPeer * r, const gchar * password)
{
  Phone *p = g_new0 (Phone, 1);
  gchar *uri = g_strdup_printf ("sips:bob@127.0.0.1:%u", r->tls_port);

  p->pipeline = gst_parse_launch ("audiotestsrc is-live=true ! "
      "pgsmsipbin name=sip ! fakesink sync=false", NULL);
  fail_unless (p->pipeline != NULL);
  p->bin = gst_bin_get_by_name (GST_BIN (p->pipeline), "sip");
  /* the peer sends no RTP: no media watch */
  g_object_set (p->bin, "listen-uri", "sips:127.0.0.1:0",
      "local-uri", "sips:alice@127.0.0.1", "ca-file", pki->root_ca_file,
      "username", "alice", "password", password, "remote-uri", uri,
      "media-timeout", 0, NULL);
  g_free (uri);
  p->bus = gst_element_get_bus (p->pipeline);
  return p;
}

/* 407 to our INVITE: we answer the challenge, the peer checks the digest
 * and answers with SDES; the call is secured, SRTP reaches the peer's
 * media port, and our BYE completes the peer's scenario */
GST_START_TEST (test_invite_digest)
{
  PgsmSippPeer r = { 0, };
  Phone *p;
  GstMessage *msg;
  GSocket *media;
  guint mport = 0, packets = 0;
  gchar *call_id;
  gboolean ok = FALSE;
  guint8 buf[2048];
  gint64 deadline;

  if (!pgsm_sipp_available ())
    return;
  media = media_socket (&mport);
  {
    gchar *mp = g_strdup_printf ("%u", mport);
    const gchar *keys[] = { "pass", PASSWORD, "mport", mp, NULL };

    pgsm_sipp_peer_start_uas (&r, pki, "uas-digest.xml", keys);
    g_free (mp);
  }
  p = caller_new (&r, PASSWORD);
  fail_if (gst_element_set_state (p->pipeline, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE);
  msg = wait_state (p, "secured", FALSE, NULL);
  fail_unless_equals_string (gst_structure_get_string
      (gst_message_get_structure (msg), "suite"), "AES_CM_128_HMAC_SHA1_80");
  call_id = g_strdup (gst_structure_get_string (gst_message_get_structure
          (msg), "call-id"));
  gst_message_unref (msg);
  gst_message_unref (wait_state (p, "established", FALSE, NULL));

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

  g_signal_emit_by_name (p->bin, "hangup", call_id, &ok);
  fail_unless (ok);
  gst_message_unref (wait_state (p, "ended", FALSE, NULL));
  /* sipp saw the whole scenario: INVITE, 407, ACK, INVITE with the
   * digest, 200, ACK, BYE */
  fail_unless_equals_int (pgsm_sipp_peer_wait (&r, 10), 0);

  g_free (call_id);
  phone_free (p);
  pgsm_sipp_peer_clear (&r);
  g_object_unref (media);
}

GST_END_TEST;

/* A wrong password: the peer's 403 after our answer ends the call
 * `failed` with that status */
GST_START_TEST (test_invite_wrong_password)
{
  PgsmSippPeer r = { 0, };
  Phone *p;
  GstMessage *msg;
  GSocket *media;
  guint mport = 0, status = 0;

  if (!pgsm_sipp_available ())
    return;
  media = media_socket (&mport);
  {
    gchar *mp = g_strdup_printf ("%u", mport);
    const gchar *keys[] = { "pass", PASSWORD, "mport", mp, NULL };

    pgsm_sipp_peer_start_uas (&r, pki, "uas-digest.xml", keys);
    g_free (mp);
  }
  p = caller_new (&r, "not-the-password");
  fail_if (gst_element_set_state (p->pipeline, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE);
  msg = wait_state (p, "failed", FALSE, NULL);
  fail_unless (gst_structure_get_uint (gst_message_get_structure (msg),
          "status", &status));
  fail_unless_equals_int (status, 403);
  gst_message_unref (msg);
  fail_unless_equals_int (pgsm_sipp_peer_wait (&r, 10), 0);
  phone_free (p);
  pgsm_sipp_peer_clear (&r);
  g_object_unref (media);
}

GST_END_TEST;

/* Through an outbound proxy: the INVITE for a URI whose host does not
 * even resolve goes to the proxy, whose certificate is the one checked
 * (peer-certificate-sha256 of `secured` is the proxy's); the proxy
 * challenges, we answer, the call is secured */
GST_START_TEST (test_invite_through_proxy)
{
  PgsmSippPeer r = { 0, };
  Phone *p;
  GstMessage *msg;
  GSocket *media;
  guint mport = 0;
  gchar *proxy, *call_id;
  gboolean ok = FALSE;

  if (!pgsm_sipp_available ())
    return;
  media = media_socket (&mport);
  {
    gchar *mp = g_strdup_printf ("%u", mport);
    const gchar *keys[] = { "pass", PASSWORD, "mport", mp, NULL };

    pgsm_sipp_peer_start_uas (&r, pki, "uas-digest.xml", keys);
    g_free (mp);
  }
  p = caller_new (&r, PASSWORD);
  proxy = g_strdup_printf ("sips:127.0.0.1:%u", r.tls_port);
  g_object_set (p->bin, "remote-uri", "sips:bob@pbx.invalid", "proxy", proxy,
      NULL);
  g_free (proxy);
  fail_if (gst_element_set_state (p->pipeline, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE);
  msg = wait_state (p, "secured", FALSE, NULL);
  call_id = g_strdup (gst_structure_get_string (gst_message_get_structure
          (msg), "call-id"));
  fail_unless (strlen (gst_structure_get_string (gst_message_get_structure
              (msg), "peer-certificate-sha256")) == 64);
  gst_message_unref (msg);
  g_signal_emit_by_name (p->bin, "hangup", call_id, &ok);
  fail_unless (ok);
  gst_message_unref (wait_state (p, "ended", FALSE, NULL));
  fail_unless_equals_int (pgsm_sipp_peer_wait (&r, 10), 0);
  g_free (call_id);
  phone_free (p);
  pgsm_sipp_peer_clear (&r);
  g_object_unref (media);
}

GST_END_TEST;

static Suite *
pgsmsipauth_suite (void)
{
  Suite *s = suite_create ("pgsmsipauth");
  TCase *tc = tcase_create ("general");

  tcase_add_unchecked_fixture (tc, pki_setup, pki_teardown);
  tcase_set_timeout (tc, 120);
  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_register_digest);
  tcase_add_test (tc, test_register_wrong_password);
  tcase_add_test (tc, test_registrar_down_then_back);
  tcase_add_test (tc, test_invite_digest);
  tcase_add_test (tc, test_invite_wrong_password);
  tcase_add_test (tc, test_invite_through_proxy);
  return s;
}

GST_CHECK_MAIN (pgsmsipauth);
