/* gst-pgsm
 * Copyright (C) 2026 gst-pgsm contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* The SDP offer/answer policy of pgsmsipbin (sip/gstpgsmsdp.c): SDP text in,
 * decision out, no network. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>
#include <gst/check/gstcheck.h>
#include "gstpgsmsdp.h"

/* 16-byte key + 14-byte salt = 30 bytes = 40 base64 characters */
#define KEY30 "AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0e"
/* 32-byte key + 14-byte salt = 46 bytes */
#define KEY46 "KCkqKywtLi8wMTIzNDU2Nzg5Ojs8PT4/QEFCQ0RFRkdISUpLTE1OT1BRUlNUVQ=="
/* 16-byte key + 12-byte salt = 28 bytes (GCM-128) */
#define KEY28 "ZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXp7fH1+fw=="

static const PgsmSrtpSuite default_suites[] = {
  PGSM_SRTP_SUITE_AES_CM_128_HMAC_SHA1_80,
  PGSM_SRTP_SUITE_AES_CM_128_HMAC_SHA1_32,
  PGSM_SRTP_SUITE_AEAD_AES_128_GCM,
  PGSM_SRTP_SUITE_AES_256_CM_HMAC_SHA1_80,
};

static const guint default_pts[] = { PGSM_SDP_PT_PCMU, PGSM_SDP_PT_PCMA };

static void
local_init (PgsmSdpLocal * local)
{
  memset (local, 0, sizeof (*local));
  local->address = "127.0.0.1";
  local->rtp_port = 40000;
  local->suites = default_suites;
  local->n_suites = G_N_ELEMENTS (default_suites);
  local->payload_types = default_pts;
  local->n_payload_types = G_N_ELEMENTS (default_pts);
  local->session_id = 42;
  local->session_version = 1;
}

static gchar *
make_offer (const gchar * proto, const gchar * fmts, const gchar * media_attrs)
{
  return g_strdup_printf ("v=0\r\n"
      "o=peer 1 1 IN IP4 127.0.0.2\r\n"
      "s=call\r\n"
      "c=IN IP4 127.0.0.2\r\n"
      "t=0 0\r\n"
      "m=audio 30000 %s %s\r\n"
      "a=rtpmap:0 PCMU/8000\r\n"
      "a=rtpmap:8 PCMA/8000\r\n" "%s", proto, fmts, media_attrs);
}

static PgsmSdpDecision *
answer_for (const gchar * proto, const gchar * fmts, const gchar * attrs)
{
  PgsmSdpLocal local;
  gchar *offer = make_offer (proto, fmts, attrs);
  PgsmSdpDecision *d;

  local_init (&local);
  d = pgsm_sdp_answer_offer (&local, offer);
  g_free (offer);
  fail_unless (d != NULL);
  return d;
}

static guint
count_substr (const gchar * hay, const gchar * needle)
{
  guint n = 0;
  const gchar *p = hay;

  while ((p = strstr (p, needle)) != NULL) {
    n++;
    p += strlen (needle);
  }
  return n;
}

GST_START_TEST (test_offer_shape)
{
  PgsmSdpLocal local;
  g_autoptr (PgsmSdpOffer) offer = NULL;
  g_autoptr (GError) err = NULL;

  local_init (&local);
  offer = pgsm_sdp_offer_new (&local, &err);
  fail_unless (offer != NULL, "%s", err ? err->message : "");
  fail_unless (strstr (offer->sdp, "m=audio 40000 RTP/SAVP 0 8\r\n") != NULL);
  fail_unless (strstr (offer->sdp, "c=IN IP4 127.0.0.1\r\n") != NULL);
  fail_unless_equals_int (count_substr (offer->sdp, "a=crypto:"), 4);
  fail_unless_equals_int (offer->cryptos->len, 4);
  /* in order, tags 1..n */
  fail_unless (strstr (offer->sdp, "a=crypto:1 AES_CM_128_HMAC_SHA1_80 "
          "inline:") != NULL);
  fail_unless (strstr (offer->sdp, "a=crypto:2 AES_CM_128_HMAC_SHA1_32 "
          "inline:") != NULL);
  fail_unless (strstr (offer->sdp, "a=crypto:3 AEAD_AES_128_GCM "
          "inline:") != NULL);
  fail_unless (strstr (offer->sdp, "a=crypto:4 AES_256_CM_HMAC_SHA1_80 "
          "inline:") != NULL);
  /* no MKI, no lifetime, no session parameters */
  fail_unless (strchr (offer->sdp, '|') == NULL);
  fail_unless (strstr (offer->sdp, "KDR") == NULL);
  fail_unless (strstr (offer->sdp, "WSH") == NULL);
}

GST_END_TEST;

GST_START_TEST (test_offer_keys_fresh)
{
  PgsmSdpLocal local;
  g_autoptr (PgsmSdpOffer) a = NULL;
  g_autoptr (PgsmSdpOffer) b = NULL;
  guint i, j;

  local_init (&local);
  a = pgsm_sdp_offer_new (&local, NULL);
  b = pgsm_sdp_offer_new (&local, NULL);
  fail_unless (a != NULL && b != NULL);
  /* every key differs from every other, within and across offers */
  for (i = 0; i < 4; i++) {
    GBytes *ka = pgsm_crypto_attribute_get_key (g_ptr_array_index (a->cryptos,
            i), 0);
    const PgsmSrtpSuiteInfo *info =
        pgsm_srtp_suite_get_info (default_suites[i]);

    fail_unless_equals_int (g_bytes_get_size (ka),
        info->key_length + info->salt_length);
    for (j = 0; j < 4; j++) {
      GBytes *kb =
          pgsm_crypto_attribute_get_key (g_ptr_array_index (b->cryptos, j), 0);
      fail_if (g_bytes_equal (ka, kb));
      g_bytes_unref (kb);
    }
    g_bytes_unref (ka);
  }
}

GST_END_TEST;

GST_START_TEST (test_answer_valid_offer)
{
  g_autoptr (PgsmSdpDecision) d = NULL;
  gchar *expected;

  d = answer_for ("RTP/SAVP", "0 8",
      "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" KEY30 "\r\n"
      "a=crypto:2 AES_CM_128_HMAC_SHA1_32 inline:" KEY30 "\r\n");
  fail_unless (pgsm_sdp_decision_is_accepted (d), "%s", d->reason);
  fail_unless_equals_int (d->suite, PGSM_SRTP_SUITE_AES_CM_128_HMAC_SHA1_80);
  fail_unless_equals_int (d->payload_type, 0);
  fail_unless_equals_string (d->encoding_name, "PCMU");
  fail_unless_equals_string (d->remote_address, "127.0.0.2");
  fail_unless_equals_int (d->remote_rtp_port, 30000);
  fail_unless_equals_int (d->remote_rtcp_port, 30001);
  fail_unless_equals_int (pgsm_crypto_attribute_get_tag (d->local_crypto), 1);
  fail_unless (strstr (d->answer_sdp, "m=audio 40000 RTP/SAVP 0\r\n") != NULL);
  fail_unless_equals_int (count_substr (d->answer_sdp, "a=crypto:"), 1);
  fail_unless (strstr (d->answer_sdp,
          "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:") != NULL);
  /* our key is fresh, not an echo of the peer's */
  expected = g_strdup ("inline:" KEY30);
  fail_unless (strstr (d->answer_sdp, expected) == NULL);
  g_free (expected);
}

GST_END_TEST;

GST_START_TEST (test_answer_skips_unusable_lines)
{
  g_autoptr (PgsmSdpDecision) d = NULL;

  /* an unknown suite, a bad key, then a good 256-bit line: the good one,
   * under the peer's tag */
  d = answer_for ("RTP/SAVP", "8",
      "a=crypto:1 F8_128_HMAC_SHA1_80 inline:" KEY30 "\r\n"
      "a=crypto:2 AES_CM_128_HMAC_SHA1_80 inline:!!!notbase64!!!\r\n"
      "a=crypto:7 AES_256_CM_HMAC_SHA1_80 inline:" KEY46 "\r\n"
      "a=rtcp:30011\r\n");
  fail_unless (pgsm_sdp_decision_is_accepted (d), "%s", d->reason);
  fail_unless_equals_int (d->suite, PGSM_SRTP_SUITE_AES_256_CM_HMAC_SHA1_80);
  fail_unless_equals_int (pgsm_crypto_attribute_get_tag (d->local_crypto), 7);
  fail_unless_equals_int (d->payload_type, 8);
  fail_unless_equals_int (d->remote_rtcp_port, 30011);
  fail_unless (strstr (d->answer_sdp, "a=crypto:7 AES_256_CM_HMAC_SHA1_80 ")
      != NULL);
}

GST_END_TEST;

static void
assert_refused (PgsmSdpDecision * d, const gchar * reason_part)
{
  fail_if (pgsm_sdp_decision_is_accepted (d));
  fail_unless_equals_int (d->status, 488);
  fail_unless (d->reason != NULL);
  fail_unless (strstr (d->reason, reason_part) != NULL, "reason '%s' lacks "
      "'%s'", d->reason, reason_part);
  fail_unless (d->answer_sdp == NULL);
  fail_unless (d->local_crypto == NULL && d->remote_crypto == NULL);
  /* no key material in a reason */
  fail_unless (strstr (d->reason, "inline") == NULL);
  fail_unless (strstr (d->reason, KEY30) == NULL);
  pgsm_sdp_decision_free (d);
}

GST_START_TEST (test_refuse_offers)
{
  assert_refused (answer_for ("RTP/AVP", "0", ""), "RTP/AVP");
  assert_refused (answer_for ("RTP/AVP", "0",
          "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" KEY30 "\r\n"),
      "RTP/AVP");
  assert_refused (answer_for ("RTP/SAVP", "0", ""), "no a=crypto line");
  assert_refused (answer_for ("RTP/SAVP", "0",
          "a=crypto:1 F8_128_HMAC_SHA1_80 inline:" KEY30 "\r\n"),
      "unknown crypto suite");
  assert_refused (answer_for ("RTP/SAVP", "0",
          "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:%%%%bad%%%%\r\n"),
      "bad base64");
  /* a 256-bit key where a 128-bit one is due */
  assert_refused (answer_for ("RTP/SAVP", "0",
          "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" KEY46 "\r\n"),
      "wrong key length");
  assert_refused (answer_for ("RTP/SAVP", "0",
          "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" KEY30
          " UNENCRYPTED_SRTP\r\n"), "UNENCRYPTED");
  assert_refused (answer_for ("RTP/SAVP", "0",
          "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" KEY30
          " UNAUTHENTICATED_SRTP\r\n"), "UNAUTHENTICATED");
  assert_refused (answer_for ("RTP/SAVP", "0",
          "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" KEY30 " KDR=10\r\n"),
      "key derivation rate");
  assert_refused (answer_for ("RTP/SAVP", "0",
          "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" KEY30 "|2^20|1:4;"
          "inline:" KEY30 "|2^20|2:4\r\n"), "more than one key");
  /* no common codec: only G.722 offered */
  assert_refused (answer_for ("RTP/SAVP", "9",
          "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" KEY30 "\r\n"), "codec");
}

GST_END_TEST;

GST_START_TEST (test_refuse_disabled_suite)
{
  static const PgsmSrtpSuite only80[] = {
    PGSM_SRTP_SUITE_AES_CM_128_HMAC_SHA1_80
  };
  PgsmSdpLocal local;
  gchar *offer;

  local_init (&local);
  local.suites = only80;
  local.n_suites = 1;
  offer = make_offer ("RTP/SAVP", "0",
      "a=crypto:1 AEAD_AES_128_GCM inline:" KEY28 "\r\n");
  assert_refused (pgsm_sdp_answer_offer (&local, offer), "suite not enabled");
  g_free (offer);
}

GST_END_TEST;

GST_START_TEST (test_accept_mki_lifetime)
{
  g_autoptr (PgsmSdpDecision) d = NULL;
  guint32 mki = 0;
  guint mki_len = 0;

  d = answer_for ("RTP/SAVP", "0",
      "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" KEY30 "|2^20|1:4\r\n");
  fail_unless (pgsm_sdp_decision_is_accepted (d), "%s", d->reason);
  fail_unless (pgsm_crypto_attribute_get_mki (d->remote_crypto, 0, &mki,
          &mki_len));
  fail_unless_equals_int (mki, 1);
  fail_unless_equals_int (mki_len, 4);
  /* our answer still carries no MKI */
  fail_unless (strchr (d->answer_sdp, '|') == NULL);
}

GST_END_TEST;

GST_START_TEST (test_malformed_sdp)
{
  PgsmSdpLocal local;
  static const gchar *bad[] = {
    "",
    "this is not sdp",
    "v=0\r\nm=audio\r\n",
    "v=0\r\no=x 1 1 IN IP4 1.2.3.4\r\ns=-\r\nt=0 0\r\n"
        "m=audio 99999999 RTP/SAVP 0\r\n",
    "v=0\r\no=x 1 1 IN IP4 1.2.3.4\r\ns=-\r\nt=0 0\r\n"
        "m=audio 4000 RTP/SAVP 0\r\na=crypto:1 AES_CM_128_HMAC_SHA1_80 "
        "inline:" KEY30 "\r\n",
  };
  guint i;

  local_init (&local);
  for (i = 0; i < G_N_ELEMENTS (bad); i++) {
    PgsmSdpDecision *d = pgsm_sdp_answer_offer (&local, bad[i]);

    fail_unless (d != NULL);
    fail_if (pgsm_sdp_decision_is_accepted (d), "accepted case %u", i);
    fail_unless_equals_int (d->status, 488);
    fail_unless (d->reason != NULL);
    pgsm_sdp_decision_free (d);
  }
}

GST_END_TEST;

/* The offerer's side: our offer, the peer's answer */
static PgsmSdpDecision *
accept_with (PgsmSdpOffer ** offer_out, const gchar * proto, const gchar * fmt,
    const gchar * attrs)
{
  PgsmSdpLocal local;
  PgsmSdpOffer *offer;
  PgsmSdpDecision *d;
  gchar *answer;

  local_init (&local);
  offer = pgsm_sdp_offer_new (&local, NULL);
  fail_unless (offer != NULL);
  answer = g_strdup_printf ("v=0\r\no=peer 5 5 IN IP4 127.0.0.3\r\ns=-\r\n"
      "c=IN IP4 127.0.0.3\r\nt=0 0\r\nm=audio 31000 %s %s\r\n%s", proto, fmt,
      attrs);
  d = pgsm_sdp_accept_answer (&local, offer, answer);
  g_free (answer);
  if (offer_out)
    *offer_out = offer;
  else
    pgsm_sdp_offer_free (offer);
  return d;
}

GST_START_TEST (test_accept_answer)
{
  PgsmSdpOffer *offer = NULL;
  PgsmSdpDecision *d;
  gchar *ours, *mine;

  d = accept_with (&offer, "RTP/SAVP", "0",
      "a=crypto:2 AES_CM_128_HMAC_SHA1_32 inline:" KEY30 "\r\n");
  fail_unless (pgsm_sdp_decision_is_accepted (d), "%s", d->reason);
  fail_unless_equals_int (d->suite, PGSM_SRTP_SUITE_AES_CM_128_HMAC_SHA1_32);
  fail_unless_equals_string (d->remote_address, "127.0.0.3");
  fail_unless_equals_int (d->remote_rtp_port, 31000);
  /* we send with the key we offered under tag 2 */
  ours = pgsm_crypto_attribute_to_string (g_ptr_array_index (offer->cryptos,
          1));
  mine = pgsm_crypto_attribute_to_string (d->local_crypto);
  fail_unless_equals_string (ours, mine);
  g_free (ours);
  g_free (mine);
  pgsm_sdp_decision_free (d);
  pgsm_sdp_offer_free (offer);
}

GST_END_TEST;

GST_START_TEST (test_refuse_answers)
{
  assert_refused (accept_with (NULL, "RTP/AVP", "0", ""), "RTP/AVP");
  assert_refused (accept_with (NULL, "RTP/SAVP", "0", ""), "no a=crypto line");
  /* a tag we did not offer */
  assert_refused (accept_with (NULL, "RTP/SAVP", "0",
          "a=crypto:9 AES_CM_128_HMAC_SHA1_80 inline:" KEY30 "\r\n"),
      "tag was not offered");
  /* tag 1 was offered with AES_CM_128_HMAC_SHA1_80, not _32 */
  assert_refused (accept_with (NULL, "RTP/SAVP", "0",
          "a=crypto:1 AES_CM_128_HMAC_SHA1_32 inline:" KEY30 "\r\n"),
      "suite differs");
  assert_refused (accept_with (NULL, "RTP/SAVP", "0",
          "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:short\r\n"), "SRTP key");
  /* the peer refused the audio stream (port 0) */
  {
    PgsmSdpLocal local;
    g_autoptr (PgsmSdpOffer) offer = NULL;

    local_init (&local);
    offer = pgsm_sdp_offer_new (&local, NULL);
    assert_refused (pgsm_sdp_accept_answer (&local, offer,
            "v=0\r\no=peer 5 5 IN IP4 127.0.0.3\r\ns=-\r\n"
            "c=IN IP4 127.0.0.3\r\nt=0 0\r\nm=audio 0 RTP/SAVP 0\r\n"),
        "no accepted audio stream");
  }
}

GST_END_TEST;

GST_START_TEST (test_round_trip)
{
  PgsmSdpLocal alice, bob;
  g_autoptr (PgsmSdpOffer) offer = NULL;
  g_autoptr (PgsmSdpDecision) at_bob = NULL;
  g_autoptr (PgsmSdpDecision) at_alice = NULL;
  gchar *a_send, *b_recv, *b_send, *a_recv;

  local_init (&alice);
  local_init (&bob);
  bob.address = "::1";
  bob.rtp_port = 50000;
  offer = pgsm_sdp_offer_new (&alice, NULL);
  at_bob = pgsm_sdp_answer_offer (&bob, offer->sdp);
  fail_unless (pgsm_sdp_decision_is_accepted (at_bob), "%s", at_bob->reason);
  fail_unless (strstr (at_bob->answer_sdp, "c=IN IP6 ::1\r\n") != NULL);
  at_alice = pgsm_sdp_accept_answer (&alice, offer, at_bob->answer_sdp);
  fail_unless (pgsm_sdp_decision_is_accepted (at_alice), "%s",
      at_alice->reason);
  fail_unless_equals_string (at_alice->remote_address, "::1");
  fail_unless_equals_int (at_alice->remote_rtp_port, 50000);
  fail_unless_equals_int (at_alice->suite, at_bob->suite);

  /* what one side sends with is what the other receives with */
  a_send = pgsm_crypto_attribute_to_string (at_alice->local_crypto);
  b_recv = pgsm_crypto_attribute_to_string (at_bob->remote_crypto);
  b_send = pgsm_crypto_attribute_to_string (at_bob->local_crypto);
  a_recv = pgsm_crypto_attribute_to_string (at_alice->remote_crypto);
  fail_unless_equals_string (a_send, b_recv);
  fail_unless_equals_string (b_send, a_recv);
  fail_if (g_str_equal (a_send, b_send));
  g_free (a_send);
  g_free (b_recv);
  g_free (b_send);
  g_free (a_recv);
}

GST_END_TEST;

/* Hold and resume (RFC 3264 8.4) inside an established call: the re-offer
 * keeps the key each side sends with, and the directions come out right on
 * both sides */
GST_START_TEST (test_hold_resume_keeps_keys)
{
  PgsmSdpLocal alice, bob;
  g_autoptr (PgsmSdpOffer) offer = NULL;
  g_autoptr (PgsmSdpOffer) hold = NULL;
  g_autoptr (PgsmSdpOffer) resume = NULL;
  g_autoptr (PgsmSdpDecision) at_bob = NULL;
  g_autoptr (PgsmSdpDecision) at_alice = NULL;
  g_autoptr (PgsmSdpDecision) held_bob = NULL;
  g_autoptr (PgsmSdpDecision) held_alice = NULL;
  g_autoptr (PgsmSdpDecision) back_bob = NULL;
  g_autoptr (PgsmSdpDecision) back_alice = NULL;
  gchar *k1, *k2;

  local_init (&alice);
  local_init (&bob);
  bob.rtp_port = 50000;
  offer = pgsm_sdp_offer_new (&alice, NULL);
  fail_unless (strstr (offer->sdp, "a=sendrecv\r\n") != NULL);
  at_bob = pgsm_sdp_answer_offer (&bob, offer->sdp);
  fail_unless (pgsm_sdp_decision_is_accepted (at_bob), "%s", at_bob->reason);
  fail_unless_equals_int (at_bob->direction, PGSM_SDP_SENDRECV);
  at_alice = pgsm_sdp_accept_answer (&alice, offer, at_bob->answer_sdp);
  fail_unless (pgsm_sdp_decision_is_accepted (at_alice));
  fail_unless_equals_int (at_alice->direction, PGSM_SDP_SENDRECV);

  /* Alice holds: sendonly, one crypto line with the key she sends with */
  alice.direction = PGSM_SDP_SENDONLY;
  alice.current_crypto = at_alice->local_crypto;
  alice.session_version = 2;
  hold = pgsm_sdp_offer_new (&alice, NULL);
  fail_unless (strstr (hold->sdp, "a=sendonly\r\n") != NULL);
  fail_unless_equals_int (count_substr (hold->sdp, "a=crypto:"), 1);
  fail_unless (strstr (hold->sdp, "o=- 42 2 ") != NULL);
  k1 = pgsm_crypto_attribute_to_string (at_alice->local_crypto);
  k2 = pgsm_crypto_attribute_to_string (g_ptr_array_index (hold->cryptos, 0));
  fail_unless_equals_string (k1, k2);
  g_free (k1);
  g_free (k2);

  /* Bob answers recvonly and keeps his own key */
  bob.current_crypto = at_bob->local_crypto;
  held_bob = pgsm_sdp_answer_offer (&bob, hold->sdp);
  fail_unless (pgsm_sdp_decision_is_accepted (held_bob), "%s",
      held_bob->reason);
  fail_unless_equals_int (held_bob->direction, PGSM_SDP_RECVONLY);
  fail_unless (strstr (held_bob->answer_sdp, "a=recvonly\r\n") != NULL);
  k1 = pgsm_crypto_attribute_to_string (at_bob->local_crypto);
  k2 = pgsm_crypto_attribute_to_string (held_bob->local_crypto);
  fail_unless_equals_string (k1, k2);
  g_free (k1);
  g_free (k2);
  held_alice = pgsm_sdp_accept_answer (&alice, hold, held_bob->answer_sdp);
  fail_unless (pgsm_sdp_decision_is_accepted (held_alice), "%s",
      held_alice->reason);
  fail_unless_equals_int (held_alice->direction, PGSM_SDP_SENDONLY);

  /* Alice resumes: sendrecv again on both sides */
  alice.direction = PGSM_SDP_SENDRECV;
  alice.session_version = 3;
  resume = pgsm_sdp_offer_new (&alice, NULL);
  back_bob = pgsm_sdp_answer_offer (&bob, resume->sdp);
  fail_unless (pgsm_sdp_decision_is_accepted (back_bob));
  fail_unless_equals_int (back_bob->direction, PGSM_SDP_SENDRECV);
  back_alice = pgsm_sdp_accept_answer (&alice, resume, back_bob->answer_sdp);
  fail_unless (pgsm_sdp_decision_is_accepted (back_alice));
  fail_unless_equals_int (back_alice->direction, PGSM_SDP_SENDRECV);
}

GST_END_TEST;

/* A peer holding us the old way (c=0.0.0.0, RFC 2543) or with a=inactive:
 * we stop sending; a session-level a=sendonly counts for the stream */
GST_START_TEST (test_hold_by_peer_variants)
{
  g_autoptr (PgsmSdpDecision) d1 = NULL;
  g_autoptr (PgsmSdpDecision) d2 = NULL;
  g_autoptr (PgsmSdpDecision) d3 = NULL;
  PgsmSdpLocal local;
  gchar *sdp;

  d1 = answer_for ("RTP/SAVP", "0",
      "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" KEY30 "\r\n"
      "a=inactive\r\n");
  fail_unless (pgsm_sdp_decision_is_accepted (d1), "%s", d1->reason);
  fail_unless_equals_int (d1->direction, PGSM_SDP_INACTIVE);
  fail_unless (strstr (d1->answer_sdp, "a=inactive\r\n") != NULL);

  local_init (&local);
  sdp = g_strdup ("v=0\r\no=peer 1 2 IN IP4 127.0.0.2\r\ns=-\r\n"
      "c=IN IP4 0.0.0.0\r\nt=0 0\r\nm=audio 30000 RTP/SAVP 0\r\n"
      "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" KEY30 "\r\n");
  d2 = pgsm_sdp_answer_offer (&local, sdp);
  g_free (sdp);
  fail_unless (pgsm_sdp_decision_is_accepted (d2), "%s", d2->reason);
  fail_unless_equals_int (d2->direction, PGSM_SDP_RECVONLY);

  sdp = g_strdup ("v=0\r\no=peer 1 2 IN IP4 127.0.0.2\r\ns=-\r\n"
      "c=IN IP4 127.0.0.2\r\nt=0 0\r\na=sendonly\r\n"
      "m=audio 30000 RTP/SAVP 0\r\n"
      "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" KEY30 "\r\n");
  d3 = pgsm_sdp_answer_offer (&local, sdp);
  g_free (sdp);
  fail_unless (pgsm_sdp_decision_is_accepted (d3), "%s", d3->reason);
  fail_unless_equals_int (d3->direction, PGSM_SDP_RECVONLY);
  fail_unless (strstr (d3->answer_sdp, "a=recvonly\r\n") != NULL);
}

GST_END_TEST;

/* A rekey: the peer re-offers with a new key and another suite; we answer
 * with a fresh key of that suite (ours cannot be reused across suites) */
GST_START_TEST (test_reoffer_other_suite_fresh_key)
{
  PgsmSdpLocal local;
  g_autoptr (PgsmCryptoAttribute) cur = NULL;
  g_autoptr (PgsmSdpDecision) d = NULL;
  gchar *offer;

  local_init (&local);
  cur = pgsm_crypto_attribute_parse ("1 AES_CM_128_HMAC_SHA1_80 inline:"
      KEY30, NULL);
  fail_unless (cur != NULL);
  local.current_crypto = cur;
  offer = make_offer ("RTP/SAVP", "0",
      "a=crypto:7 AES_256_CM_HMAC_SHA1_80 inline:" KEY46 "\r\n");
  d = pgsm_sdp_answer_offer (&local, offer);
  g_free (offer);
  fail_unless (pgsm_sdp_decision_is_accepted (d), "%s", d->reason);
  fail_unless_equals_int (d->suite, PGSM_SRTP_SUITE_AES_256_CM_HMAC_SHA1_80);
  fail_unless_equals_int (pgsm_crypto_attribute_get_tag (d->local_crypto), 7);
  fail_unless_equals_int (pgsm_crypto_attribute_get_suite (d->local_crypto),
      PGSM_SRTP_SUITE_AES_256_CM_HMAC_SHA1_80);
}

GST_END_TEST;

/* RFC 4733 telephone-events: offered on our payload type, answered on the
 * offerer's, left out when either side does not take them */
GST_START_TEST (test_telephone_event)
{
  PgsmSdpLocal alice, bob;
  g_autoptr (PgsmSdpOffer) offer = NULL;
  g_autoptr (PgsmSdpDecision) at_bob = NULL;
  g_autoptr (PgsmSdpDecision) at_alice = NULL;
  g_autoptr (PgsmSdpDecision) peer = NULL;
  g_autoptr (PgsmSdpDecision) none = NULL;

  local_init (&alice);
  local_init (&bob);
  alice.dtmf_payload_type = PGSM_SDP_PT_TELEPHONE_EVENT;
  bob.dtmf_payload_type = PGSM_SDP_PT_TELEPHONE_EVENT;
  offer = pgsm_sdp_offer_new (&alice, NULL);
  fail_unless (strstr (offer->sdp, "RTP/SAVP 0 8 101\r\n") != NULL,
      "%s", offer->sdp);
  fail_unless (strstr (offer->sdp, "a=rtpmap:101 telephone-event/8000\r\n"
          "a=fmtp:101 0-15\r\n") != NULL);
  at_bob = pgsm_sdp_answer_offer (&bob, offer->sdp);
  fail_unless (pgsm_sdp_decision_is_accepted (at_bob));
  fail_unless_equals_int (at_bob->dtmf_payload_type, 101);
  fail_unless (strstr (at_bob->answer_sdp, "RTP/SAVP 0 101\r\n") != NULL);
  at_alice = pgsm_sdp_accept_answer (&alice, offer, at_bob->answer_sdp);
  fail_unless (pgsm_sdp_decision_is_accepted (at_alice));
  fail_unless_equals_int (at_alice->dtmf_payload_type, 101);

  /* a peer's own number is kept in our answer */
  peer = answer_for ("RTP/SAVP", "0 96",
      "a=rtpmap:96 telephone-event/8000\r\n"
      "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" KEY30 "\r\n");
  fail_unless (pgsm_sdp_decision_is_accepted (peer));
  /* answer_for()'s local does not take events */
  fail_unless_equals_int (peer->dtmf_payload_type, 0);
  fail_if (strstr (peer->answer_sdp, "telephone-event") != NULL);
  {
    gchar *o = make_offer ("RTP/SAVP", "0 96",
        "a=rtpmap:96 telephone-event/8000\r\n"
        "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" KEY30 "\r\n");
    g_autoptr (PgsmSdpDecision) d = pgsm_sdp_answer_offer (&bob, o);

    g_free (o);
    fail_unless_equals_int (d->dtmf_payload_type, 96);
    fail_unless (strstr (d->answer_sdp, "RTP/SAVP 0 96\r\n"
            "a=rtpmap:0 PCMU/8000\r\na=rtpmap:96 telephone-event/8000\r\n")
        != NULL, "%s", d->answer_sdp);
  }

  /* an answer without them: none */
  none = pgsm_sdp_accept_answer (&alice, offer, "v=0\r\n"
      "o=bob 1 1 IN IP4 127.0.0.2\r\ns=-\r\nc=IN IP4 127.0.0.2\r\n"
      "t=0 0\r\nm=audio 30000 RTP/SAVP 0\r\n"
      "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" KEY30 "\r\n");
  fail_unless (pgsm_sdp_decision_is_accepted (none), "%s", none->reason);
  fail_unless_equals_int (none->dtmf_payload_type, 0);
}

GST_END_TEST;

/* Opus (RFC 7587): offered as opus/48000/2 on 111 with useinbandfec; an
 * offer on another dynamic type is answered on that type; an answer must
 * keep ours */
GST_START_TEST (test_opus)
{
  static const guint opus_first[] = { PGSM_SDP_PT_OPUS, PGSM_SDP_PT_PCMU };
  PgsmSdpLocal alice, bob;
  g_autoptr (PgsmSdpOffer) offer = NULL;
  g_autoptr (PgsmSdpDecision) at_bob = NULL;
  g_autoptr (PgsmSdpDecision) at_alice = NULL;
  g_autoptr (PgsmSdpDecision) d96 = NULL;
  gchar *o;

  local_init (&alice);
  local_init (&bob);
  alice.payload_types = opus_first;
  alice.n_payload_types = 2;
  bob.payload_types = opus_first;
  bob.n_payload_types = 2;
  offer = pgsm_sdp_offer_new (&alice, NULL);
  fail_unless (strstr (offer->sdp, "RTP/SAVP 111 0\r\n") != NULL, "%s",
      offer->sdp);
  fail_unless (strstr (offer->sdp, "a=rtpmap:111 opus/48000/2\r\n"
          "a=fmtp:111 useinbandfec=1\r\na=rtpmap:0 PCMU/8000\r\n") != NULL);
  at_bob = pgsm_sdp_answer_offer (&bob, offer->sdp);
  fail_unless (pgsm_sdp_decision_is_accepted (at_bob), "%s", at_bob->reason);
  fail_unless_equals_string (at_bob->encoding_name, "OPUS");
  fail_unless_equals_int (at_bob->clock_rate, 48000);
  fail_unless_equals_int (at_bob->payload_type, 111);
  at_alice = pgsm_sdp_accept_answer (&alice, offer, at_bob->answer_sdp);
  fail_unless (pgsm_sdp_decision_is_accepted (at_alice), "%s",
      at_alice->reason);
  fail_unless_equals_string (at_alice->encoding_name, "OPUS");

  o = make_offer ("RTP/SAVP", "96 0", "a=rtpmap:96 opus/48000/2\r\n"
      "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" KEY30 "\r\n");
  d96 = pgsm_sdp_answer_offer (&bob, o);
  g_free (o);
  fail_unless (pgsm_sdp_decision_is_accepted (d96), "%s", d96->reason);
  fail_unless_equals_int (d96->payload_type, 96);
  fail_unless_equals_int (d96->codec_id, PGSM_SDP_PT_OPUS);
  fail_unless (strstr (d96->answer_sdp, "RTP/SAVP 96\r\n"
          "a=rtpmap:96 opus/48000/2\r\n") != NULL, "%s", d96->answer_sdp);
}

GST_END_TEST;

/* Bodies that make Sofia-SIP's own SDP parser loop until memory runs out
 * (an unknown transport with a format that is not a token, found by the
 * fuzzer) are refused before Sofia sees them, quickly */
GST_START_TEST (test_parser_bomb_refused)
{
  static const gchar *const bodies[] = {
    "m=audio 1 X \"\r\n", "m=audio 1 X 0\xbd\xad\r\n",
    "m=audio 1 X 0 \x01\r\n", "m=o:0R\xbd\xad\r\n", "m=a 4Q=:\r\n",
    "m=a 4/2 X :\r\n", "\tm=audio 4000 RTP/SA\xaa\xaf 0 8\r\n",
  };
  PgsmSdpLocal local;
  guint i;

  local_init (&local);
  for (i = 0; i < G_N_ELEMENTS (bodies); i++) {
    gchar *sdp = g_strconcat ("v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\n"
        "c=IN IP4 1.2.3.4\r\nt=0 0\r\n", bodies[i], NULL);
    gint64 t0 = g_get_monotonic_time ();
    g_autoptr (PgsmSdpDecision) d = pgsm_sdp_answer_offer (&local, sdp);

    fail_if (pgsm_sdp_decision_is_accepted (d));
    fail_unless_equals_int (d->status, 488);
    fail_unless (g_str_has_prefix (d->reason, "malformed SDP: "), "%s",
        d->reason);
    fail_unless (g_get_monotonic_time () - t0 < G_USEC_PER_SEC);
    g_free (sdp);
  }
}

GST_END_TEST;

GST_START_TEST (test_parse_suites)
{
  GArray *a = g_array_new (FALSE, FALSE, sizeof (PgsmSrtpSuite));
  GError *err = NULL;

  fail_unless (pgsm_sdp_parse_suites ("AEAD_AES_128_GCM, "
          "AES_CM_128_HMAC_SHA1_80", a, &err));
  fail_unless_equals_int (a->len, 2);
  fail_unless_equals_int (g_array_index (a, PgsmSrtpSuite, 0),
      PGSM_SRTP_SUITE_AEAD_AES_128_GCM);
  g_array_set_size (a, 0);
  fail_if (pgsm_sdp_parse_suites ("AES_CM_128_HMAC_SHA1_80,NULL_NULL", a,
          &err));
  fail_unless (err != NULL);
  g_clear_error (&err);
  g_array_set_size (a, 0);
  fail_if (pgsm_sdp_parse_suites ("", a, &err));
  g_clear_error (&err);
  g_array_unref (a);
}

GST_END_TEST;

/* media-encryption=none (the site's inside leg): RTP/AVP without keys both
 * ways, RTP/SAVP refused */
GST_START_TEST (test_clear_media_leg)
{
  PgsmSdpLocal local;
  PgsmSdpOffer *offer;
  PgsmSdpDecision *d;
  gchar *peer;

  local_init (&local);
  local.clear_media = TRUE;
  local.n_suites = 0;
  offer = pgsm_sdp_offer_new (&local, NULL);
  fail_unless (offer != NULL);
  fail_unless (strstr (offer->sdp, "m=audio 40000 RTP/AVP 0 8\r\n") != NULL,
      "%s", offer->sdp);
  fail_if (strstr (offer->sdp, "a=crypto") != NULL);
  fail_unless_equals_int (offer->cryptos->len, 0);

  /* the peer's clear answer */
  peer = make_offer ("RTP/AVP", "8", "");
  d = pgsm_sdp_accept_answer (&local, offer, peer);
  fail_unless (pgsm_sdp_decision_is_accepted (d), "%s", d->reason);
  fail_unless (d->clear);
  fail_unless_equals_int (d->suite, PGSM_SRTP_SUITE_NONE);
  fail_unless_equals_int (d->payload_type, 8);
  fail_unless_equals_string (d->remote_address, "127.0.0.2");
  pgsm_sdp_decision_free (d);
  g_free (peer);
  pgsm_sdp_offer_free (offer);

  /* a clear offer: a clear answer, a=crypto lines there are ignored */
  peer = make_offer ("RTP/AVP", "0 8",
      "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" KEY30 "\r\n");
  d = pgsm_sdp_answer_offer (&local, peer);
  fail_unless (pgsm_sdp_decision_is_accepted (d), "%s", d->reason);
  fail_unless (d->clear);
  fail_unless (d->local_crypto == NULL && d->remote_crypto == NULL);
  fail_unless (strstr (d->answer_sdp, "m=audio 40000 RTP/AVP 0") != NULL,
      "%s", d->answer_sdp);
  fail_if (strstr (d->answer_sdp, "a=crypto") != NULL);
  pgsm_sdp_decision_free (d);
  g_free (peer);

  /* RTP/SAVP to the clear leg: 488 */
  peer = make_offer ("RTP/SAVP", "0",
      "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" KEY30 "\r\n");
  d = pgsm_sdp_answer_offer (&local, peer);
  fail_if (pgsm_sdp_decision_is_accepted (d));
  fail_unless_equals_int (d->status, 488);
  fail_unless (strstr (d->reason, "clear RTP/AVP only") != NULL, "%s",
      d->reason);
  pgsm_sdp_decision_free (d);
  g_free (peer);

  /* and the secure side still refuses clear offers */
  d = answer_for ("RTP/AVP", "0", "");
  fail_if (pgsm_sdp_decision_is_accepted (d));
  fail_unless_equals_int (d->status, 488);
  pgsm_sdp_decision_free (d);
}

GST_END_TEST;

static Suite *
pgsmsdp_suite (void)
{
  Suite *s = suite_create ("pgsmsdp");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_offer_shape);
  tcase_add_test (tc, test_offer_keys_fresh);
  tcase_add_test (tc, test_answer_valid_offer);
  tcase_add_test (tc, test_answer_skips_unusable_lines);
  tcase_add_test (tc, test_refuse_offers);
  tcase_add_test (tc, test_refuse_disabled_suite);
  tcase_add_test (tc, test_accept_mki_lifetime);
  tcase_add_test (tc, test_malformed_sdp);
  tcase_add_test (tc, test_accept_answer);
  tcase_add_test (tc, test_clear_media_leg);
  tcase_add_test (tc, test_refuse_answers);
  tcase_add_test (tc, test_round_trip);
  tcase_add_test (tc, test_parse_suites);
  tcase_add_test (tc, test_telephone_event);
  tcase_add_test (tc, test_opus);
  tcase_add_test (tc, test_parser_bomb_refused);
  tcase_add_test (tc, test_hold_resume_keeps_keys);
  tcase_add_test (tc, test_hold_by_peer_variants);
  tcase_add_test (tc, test_reoffer_other_suite_fresh_key);
  return s;
}

GST_CHECK_MAIN (pgsmsdp);
