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
#include "sipphone.h"
#include "sipppeer.h"

/* 30 bytes: a valid AES_CM_128 key || salt */
#define KEY30 "AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0e"

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

/* A phone that never gets a call secured: SIP over TLS, no media watch
 * (the peer sends no RTP) */
static PgsmTestPhone *
phone_new (void)
{
  PgsmTestPhone *p = pgsm_test_phone_new (NULL, 440.0, 0.5);

  pgsm_test_phone_set_tls (p, NULL);
  g_object_set (p->bin, "media-timeout", 0, NULL);
  p->never_state = "secured";
  return p;
}

/* Each bad offer from a caller: 488 (sipp's scenario expects it and exits
 * 0), the bin posts `failed` with status 488 and the reason, no ERROR (a
 * listener keeps running), no call secured */
GST_START_TEST (test_bad_offers_get_488)
{
  PgsmTestPhone *p;
  guint i, port = 0;

  if (!pgsm_sipp_available ())
    return;
  {
    PgsmTestCert *cert = pgsm_test_pki_issue_server (pgsm_test_phone_pki, "bob",
        "127.0.0.1");

    p = phone_new ();
    pgsm_test_phone_set_tls (p, cert);
    g_object_set (p->bin, "auto-answer", TRUE, NULL);
    pgsm_test_phone_start (p);
    port = pgsm_test_phone_bound_port (p);
    pgsm_test_cert_free (cert);
  }
  for (i = 0; i < G_N_ELEMENTS (bad_sdps); i++) {
    PgsmSippPeer peer = { 0, };
    const gchar *keys[] = { "proto", bad_sdps[i].proto, "crypto",
      bad_sdps[i].crypto, NULL
    };
    GstMessage *msg;
    const gchar *reason;

    pgsm_sipp_peer_start_uac (&peer, "uac-bad-offer.xml", port, keys);
    msg = pgsm_test_phone_wait (p, "failed");
    fail_unless_equals_int (pgsm_test_phone_msg_uint (msg, "status"), 488);
    reason = pgsm_test_phone_msg_string (msg, "reason");
    GST_INFO ("%s: %s", bad_sdps[i].what, reason);
    fail_unless (strstr (reason, bad_sdps[i].reason) != NULL,
        "%s: reason '%s'", bad_sdps[i].what, reason);
    gst_message_unref (msg);
    fail_unless_equals_int (pgsm_sipp_peer_wait (&peer, 10), 0);
    pgsm_sipp_peer_clear (&peer);
  }
  pgsm_test_phone_free (p);
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
    guint port = 0;
    GSocket *media = pgsm_test_phone_media_socket (&port);
    gchar *mport = g_strdup_printf ("%u", port), *uri, *dbg = NULL;
    GstMessage *msg, *error = NULL;
    GError *err = NULL;
    PgsmTestPhone *p;
    guint8 buf[2048];

    {
      const gchar *keys[] = { "proto", bad_sdps[i].proto, "crypto",
        bad_sdps[i].crypto, "mport", mport, NULL
      };

      pgsm_sipp_peer_start_uas (&peer, pgsm_test_phone_pki,
          "uas-bad-answer.xml", keys);
    }
    p = phone_new ();
    uri = g_strdup_printf ("sips:bob@127.0.0.1:%u", peer.tls_port);
    g_object_set (p->bin, "remote-uri", uri, NULL);
    pgsm_test_phone_start (p);
    msg = pgsm_test_phone_wait_full (p, "failed", p->wait_s, 0, &error);
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

    pgsm_test_phone_free (p);
    pgsm_sipp_peer_clear (&peer);
    g_free (uri);
    g_free (mport);
    g_object_unref (media);
  }
}

GST_END_TEST;

static Suite *
pgsmsiphostile_suite (void)
{
  Suite *s = suite_create ("pgsmsiphostile");
  TCase *tc = pgsm_test_phone_tcase_new (s, FALSE);

  tcase_add_test (tc, test_bad_offers_get_488);
  tcase_add_test (tc, test_bad_answers_end_the_call);
  return s;
}

GST_CHECK_MAIN (pgsmsiphostile);
