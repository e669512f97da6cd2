/* gst-pgsm
 * Copyright (C) 2026 gst-pgsm contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* libFuzzer target for the SDP offer/answer policy of pgsmsipbin
 * (sip/gstpgsmsdp.c): SDP text in, a decision out, no network. Every input
 * is read twice: as a peer's offer (pgsm_sdp_answer_offer) and as the
 * answer to an offer of ours (pgsm_sdp_accept_answer). On every decision:
 *
 *  - accepted: a suite we offered, both crypto attributes of that suite
 *    with a key+salt of exactly the suite's length, a remote port, a known
 *    codec; an answer to an offer is SDP that carries RTP/SAVP and one
 *    a=crypto line and never RTP/AVP;
 *  - refused: status 488 with a non-empty reason, no keys, no answer SDP.
 *
 * Build and run: tests/fuzz/run.sh sdp_offer (see tests/fuzz/README.md).
 * With tests/fuzz/standalone.c the same file replays the seed corpus. */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gstpgsmsdp.h"

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const uint8_t * data, size_t size);

static const PgsmSrtpSuite suites[] = {
  PGSM_SRTP_SUITE_AEAD_AES_256_GCM,
  PGSM_SRTP_SUITE_AES_256_CM_HMAC_SHA1_80,
  PGSM_SRTP_SUITE_AES_CM_128_HMAC_SHA1_80,
};

static const guint pts[] = { PGSM_SDP_PT_OPUS, PGSM_SDP_PT_PCMA,
  PGSM_SDP_PT_PCMU
};

static PgsmSdpLocal local;
static PgsmSdpOffer *our_offer;

static void
check (gboolean ok, const char *what)
{
  if (!ok) {
    g_printerr ("fuzzer invariant broken: %s\n", what);
    abort ();
  }
}

static void
check_crypto (const PgsmCryptoAttribute * attr, PgsmSrtpSuite suite)
{
  const PgsmSrtpSuiteInfo *info = pgsm_srtp_suite_get_info (suite);
  GBytes *key;

  check (attr != NULL, "accepted without a crypto attribute");
  check (pgsm_crypto_attribute_get_suite (attr) == suite,
      "crypto attribute of another suite");
  check (pgsm_crypto_attribute_get_n_keys (attr) >= 1, "no key");
  key = pgsm_crypto_attribute_get_key (attr, 0);
  check (key != NULL, "no key bytes");
  check (g_bytes_get_size (key) == info->key_length + info->salt_length,
      "key+salt not of the suite's length");
  g_bytes_unref (key);
}

static void
check_decision (PgsmSdpDecision * d, gboolean is_answer)
{
  guint i;
  gboolean offered = FALSE;

  check (d != NULL, "no decision");
  if (!pgsm_sdp_decision_is_accepted (d)) {
    check (d->status == PGSM_SDP_STATUS_NOT_ACCEPTABLE, "refusal not 488");
    check (d->reason != NULL && d->reason[0] != '\0', "refusal without reason");
    check (d->local_crypto == NULL && d->remote_crypto == NULL,
        "refusal with keys");
    check (d->answer_sdp == NULL, "refusal with an answer SDP");
    return;
  }

  check (d->status == 0, "accepted with a status");
  for (i = 0; i < G_N_ELEMENTS (suites); i++)
    offered |= d->suite == suites[i];
  check (offered, "accepted a suite we do not have");
  check_crypto (d->local_crypto, d->suite);
  check_crypto (d->remote_crypto, d->suite);
  check (d->remote_address != NULL && d->remote_address[0] != '\0',
      "no remote address");
  check (d->remote_rtp_port > 0 && d->remote_rtp_port < 65536,
      "bad remote RTP port");
  check (d->encoding_name != NULL, "no codec");
  check (d->clock_rate > 0, "no clock rate");

  if (is_answer) {
    check (d->answer_sdp == NULL, "answer decision carries an answer SDP");
  } else {
    const gchar *c1;

    check (d->answer_sdp != NULL, "accepted offer without an answer SDP");
    check (strstr (d->answer_sdp, "RTP/SAVP") != NULL, "answer not SAVP");
    /* the stream we take is RTP/SAVP; refused ones (port 0, RFC 3264 6)
     * echo the offered transport, whatever it is */
    {
      gchar **lines = g_strsplit (d->answer_sdp, "\r\n", -1);
      guint n, taken = 0;

      for (n = 0; lines[n] != NULL; n++) {
        gchar **f;

        if (!g_str_has_prefix (lines[n], "m="))
          continue;
        f = g_strsplit (lines[n], " ", 4);
        if (f[1] != NULL && g_strcmp0 (f[1], "0") != 0) {
          taken++;
          check (g_strcmp0 (f[2], "RTP/SAVP") == 0,
              "a stream taken without RTP/SAVP");
        }
        g_strfreev (f);
      }
      g_strfreev (lines);
      check (taken == 1, "not exactly one stream taken");
    }
    c1 = strstr (d->answer_sdp, "a=crypto:");
    check (c1 != NULL, "answer without a=crypto");
    check (strstr (c1 + 1, "a=crypto:") == NULL, "answer with 2 a=crypto");
  }
}

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  GError *err = NULL;

  local.address = "192.0.2.10";
  local.rtp_port = 40000;
  local.suites = suites;
  local.n_suites = G_N_ELEMENTS (suites);
  local.payload_types = pts;
  local.n_payload_types = G_N_ELEMENTS (pts);
  local.session_id = 1;
  local.session_version = 1;
  local.direction = PGSM_SDP_SENDRECV;
  local.dtmf_payload_type = PGSM_SDP_PT_TELEPHONE_EVENT;
  our_offer = pgsm_sdp_offer_new (&local, &err);
  check (our_offer != NULL, "cannot make our offer");
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t * data, size_t size)
{
  gchar *text;
  PgsmSdpDecision *d;

  if (size > 16384)
    return 0;
  text = g_strndup ((const gchar *) data, size);

  d = pgsm_sdp_answer_offer (&local, text);
  check_decision (d, FALSE);
  pgsm_sdp_decision_free (d);

  d = pgsm_sdp_accept_answer (&local, our_offer, text);
  check_decision (d, TRUE);
  pgsm_sdp_decision_free (d);

  g_free (text);
  return 0;
}
