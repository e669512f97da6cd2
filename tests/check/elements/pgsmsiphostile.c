/* gst-pgsm
 * Copyright (C) 2026 gst-pgsm contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* Hostile SIP peers we did not write (sipp behind stunnel4, see
 * sipppeer.h): offers and answers without a usable SDES key. An offer is
 * answered 488 and the call never starts; an answer ends the call (ERROR,
 * `failed`, BYE) before a single RTP packet goes out. Never clear RTP. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gio/gio.h>
#include <gst/check/gstcheck.h>
#include <gst/pgsm/pgsm.h>
#include "pki.h"
#include "sipppeer.h"

#define WAIT_S 20
/* 30 bytes: a valid AES_CM_128 key || salt */
#define KEY30 "AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0e"

static PgsmTestPki *pki;

/* What the hostile peer puts in its SDP, and why it is refused */
typedef struct
{
  const gchar *what;
  const gchar *proto;
  const gchar *crypto;
  const gchar *reason;          /* a part of the bin's reason */
} BadSdp;

static const BadSdp bad_sdps[] = {
  {"plain RTP/AVP", "RTP/AVP", "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:"
        KEY30, "RTP/AVP"},
  {"bad base64", "RTP/SAVP", "a=crypto:1 AES_CM_128_HMAC_SHA1_80 "
        "inline:!!not*base64!!", "base64"},
  {"short key", "RTP/SAVP", "a=crypto:1 AES_CM_128_HMAC_SHA1_80 "
        "inline:AQIDBAUGBwgJCgsMDQ4PEBESExQ=", "key length"},
  {"unknown suite", "RTP/SAVP", "a=crypto:1 SEED_CTR_128_HMAC_SHA1_80 "
        "inline:" KEY30, "suite"},
  {"no crypto", "RTP/SAVP", "a=x-no-crypto:1", "no a=crypto"},
};

static void
pki_setup (void)
{
  pki = pgsm_test_pki_new_tmp ("pgsm-hostile-pki");
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
phone_new (void)
{
  Phone *p = g_new0 (Phone, 1);

  p->pipeline = gst_parse_launch ("audiotestsrc is-live=true ! "
      "pgsmsipbin name=sip ! fakesink sync=false", NULL);
  fail_unless (p->pipeline != NULL);
  p->bin = gst_bin_get_by_name (GST_BIN (p->pipeline), "sip");
  g_object_set (p->bin, "listen-uri", "sips:127.0.0.1:0",
      "ca-file", pki->root_ca_file, "media-timeout", 0, NULL);
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

/* Pops messages until a `pgsm-call` in @state (returned); fails on a
 * `secured` (never allowed here) and collects the first ERROR in @error */
static GstMessage *
wait_state (Phone * p, const gchar * state, GstMessage ** error)
{
  gint64 deadline = g_get_monotonic_time () + WAIT_S * G_USEC_PER_SEC;

  while (g_get_monotonic_time () < deadline) {
    GstMessage *msg = gst_bus_timed_pop (p->bus, 100 * GST_MSECOND);
    const GstStructure *s;
    const gchar *got;

    if (msg == NULL)
      continue;
    if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR) {
      fail_unless (error != NULL, "unexpected ERROR");
      if (*error == NULL) {
        *error = msg;
        continue;
      }
    }
    s = gst_message_get_structure (msg);
    got = GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ELEMENT
        && gst_structure_has_name (s, "pgsm-call") ?
        gst_structure_get_string (s, "state") : NULL;
    fail_if (g_strcmp0 (got, "secured") == 0, "a hostile peer got a call "
        "secured");
    if (g_strcmp0 (got, state) == 0)
      return msg;
    gst_message_unref (msg);
  }
  fail ("no '%s' within %d s", state, WAIT_S);
  return NULL;
}

/* Each bad offer from a caller: 488 (sipp's scenario expects it and exits
 * 0), the bin posts `failed` with status 488 and the reason, no ERROR (a
 * listener keeps running), no call secured */
GST_START_TEST (test_bad_offers_get_488)
{
  Phone *p;
  guint i, port = 0;

  if (!pgsm_sipp_available ())
    return;
  {
    PgsmTestCert *cert = pgsm_test_pki_issue_server (pki, "bob",
        "127.0.0.1");

    p = phone_new ();
    g_object_set (p->bin, "cert-file", cert->chain_file, "key-file",
        cert->key_file, "auto-answer", TRUE, NULL);
    fail_if (gst_element_set_state (p->pipeline, GST_STATE_PLAYING) ==
        GST_STATE_CHANGE_FAILURE);
    g_object_get (p->bin, "bound-port", &port, NULL);
    pgsm_test_cert_free (cert);
  }
  for (i = 0; i < G_N_ELEMENTS (bad_sdps); i++) {
    PgsmSippPeer peer = { 0, };
    const gchar *keys[] = { "proto", bad_sdps[i].proto, "crypto",
      bad_sdps[i].crypto, NULL
    };
    GstMessage *msg;
    guint status = 0;
    const gchar *reason;

    pgsm_sipp_peer_start_uac (&peer, "uac-bad-offer.xml", port, keys);
    msg = wait_state (p, "failed", NULL);
    fail_unless (gst_structure_get_uint (gst_message_get_structure (msg),
            "status", &status));
    fail_unless_equals_int (status, 488);
    reason = gst_structure_get_string (gst_message_get_structure (msg),
        "reason");
    GST_INFO ("%s: %s", bad_sdps[i].what, reason);
    fail_unless (strstr (reason, bad_sdps[i].reason) != NULL,
        "%s: reason '%s'", bad_sdps[i].what, reason);
    gst_message_unref (msg);
    fail_unless_equals_int (pgsm_sipp_peer_wait (&peer, 10), 0);
    pgsm_sipp_peer_clear (&peer);
  }
  phone_free (p);
}

GST_END_TEST;

/* A called party answering with each bad SDP: ERROR DECRYPT_NOKEY naming
 * the cause, `failed`, a BYE (sipp's scenario expects the ACK and the BYE
 * and exits 0), and not one packet at the media port it gave */
GST_START_TEST (test_bad_answers_end_the_call)
{
  guint i;

  if (!pgsm_sipp_available ())
    return;
  for (i = 0; i < G_N_ELEMENTS (bad_sdps); i++) {
    PgsmSippPeer peer = { 0, };
    GInetAddress *lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
    GSocketAddress *sa = g_inet_socket_address_new (lo, 0), *bound;
    GSocket *media = g_socket_new (G_SOCKET_FAMILY_IPV4,
        G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP, NULL);
    gchar *mport, *uri, *dbg = NULL;
    GstMessage *msg, *error = NULL;
    GError *err = NULL;
    Phone *p;
    guint8 buf[2048];

    fail_unless (g_socket_bind (media, sa, FALSE, NULL));
    g_socket_set_blocking (media, FALSE);
    bound = g_socket_get_local_address (media, NULL);
    mport = g_strdup_printf ("%u",
        g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound)));
    {
      const gchar *keys[] = { "proto", bad_sdps[i].proto, "crypto",
        bad_sdps[i].crypto, "mport", mport, NULL
      };

      pgsm_sipp_peer_start_uas (&peer, pki, "uas-bad-answer.xml", keys);
    }
    p = phone_new ();
    uri = g_strdup_printf ("sips:bob@127.0.0.1:%u", peer.tls_port);
    g_object_set (p->bin, "remote-uri", uri, NULL);
    fail_if (gst_element_set_state (p->pipeline, GST_STATE_PLAYING) ==
        GST_STATE_CHANGE_FAILURE);
    msg = wait_state (p, "failed", &error);
    gst_message_unref (msg);
    fail_unless (error != NULL, "%s: no ERROR", bad_sdps[i].what);
    gst_message_parse_error (error, &err, &dbg);
    fail_unless (g_error_matches (err, GST_STREAM_ERROR,
            GST_STREAM_ERROR_DECRYPT_NOKEY), "%s", err->message);
    fail_unless (strstr (dbg, bad_sdps[i].reason) != NULL, "%s: '%s'",
        bad_sdps[i].what, dbg);
    GST_INFO ("%s: %s", bad_sdps[i].what, dbg);
    g_clear_error (&err);
    g_free (dbg);
    gst_message_unref (error);
    /* the BYE reached the peer, whose scenario then ends well */
    fail_unless_equals_int (pgsm_sipp_peer_wait (&peer, 10), 0);
    /* and no RTP, clear or not, reached its media port */
    fail_unless (g_socket_receive (media, (gchar *) buf, sizeof (buf), NULL,
            NULL) < 0);

    phone_free (p);
    pgsm_sipp_peer_clear (&peer);
    g_free (uri);
    g_free (mport);
    g_object_unref (bound);
    g_object_unref (media);
    g_object_unref (sa);
    g_object_unref (lo);
  }
}

GST_END_TEST;

static Suite *
pgsmsiphostile_suite (void)
{
  Suite *s = suite_create ("pgsmsiphostile");
  TCase *tc = tcase_create ("general");

  tcase_add_unchecked_fixture (tc, pki_setup, pki_teardown);
  tcase_set_timeout (tc, 120);
  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_bad_offers_get_488);
  tcase_add_test (tc, test_bad_answers_end_the_call);
  return s;
}

GST_CHECK_MAIN (pgsmsiphostile);
