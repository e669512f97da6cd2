/* gst-pgsm
 * Copyright (C) 2026 gst-pgsm contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* The SDP offer/answer policy of pgsmsipbin, without any network: SDP text
 * in, a decision out. Fail closed: every path that does not end with a
 * usable SDES key for both directions ends with a refusal and a reason. */

#ifndef __GST_PGSM_SDP_H__
#define __GST_PGSM_SDP_H__

#include <glib.h>
#include <gst/pgsm/pgsm.h>

G_BEGIN_DECLS

/* Payload types of the codecs the bin can carry (RFC 3551 static types) */
#define PGSM_SDP_PT_PCMU 0
#define PGSM_SDP_PT_PCMA 8
/* The dynamic payload type we offer Opus on (RFC 7587: opus/48000/2); a
 * peer's offer may use another one, which our answer then keeps */
#define PGSM_SDP_PT_OPUS 111
/* The dynamic payload type we offer RFC 4733 telephone-events (DTMF) on */
#define PGSM_SDP_PT_TELEPHONE_EVENT 101

/* The status an offer we cannot take is answered with (RFC 3261 21.4.26) */
#define PGSM_SDP_STATUS_NOT_ACCEPTABLE 488

/* The direction of an audio stream (RFC 3264 5.1, 8.4): seen from the side
 * that writes it in its SDP. Hold is a re-offer with SENDONLY (or INACTIVE
 * when we were already held). */
typedef enum
{
  PGSM_SDP_SENDRECV = 0,
  PGSM_SDP_SENDONLY,
  PGSM_SDP_RECVONLY,
  PGSM_SDP_INACTIVE,
} PgsmSdpDirection;

/* What we offer or answer with: our media address and the ordered lists of
 * suites and codecs. Plain data owned by the caller. */
typedef struct
{
  const gchar *address;         /* IPv4 or IPv6 literal of our RTP socket */
  guint rtp_port;               /* our RTP port; RTCP is rtp_port + 1 */
  const PgsmSrtpSuite *suites;  /* offer order, most preferred first */
  guint n_suites;
  const guint *payload_types;   /* PGSM_SDP_PT_*, offer order */
  guint n_payload_types;
  guint64 session_id;           /* o= line; 0 = pick one */
  guint64 session_version;
  PgsmSdpDirection direction;   /* what we want; SENDRECV unless on hold */
  /* RFC 4733 telephone-events (events 0-15, DTMF): the payload type we
   * offer them on; 0 = not offered/accepted */
  guint dtmf_payload_type;
  /* Inside an established call: the key we send with now. A re-offer
   * carries it (one crypto line, tag 1) and an answer keeps it when the
   * suite is the same, so our stream keeps its key and rollover counter.
   * NULL: fresh keys (a new call, or a rekey). */
  const PgsmCryptoAttribute *current_crypto;
  /* The site's inside leg (pgsmsipbin media-encryption=none): offer and
   * accept only clear RTP/AVP, without keys; RTP/SAVP offers are refused.
   * @suites is then ignored. Never set toward the outside. */
  gboolean clear_media;
} PgsmSdpLocal;

/* An offer we sent: its text and the crypto attributes it carries (our keys,
 * one per suite, tags 1..n in offer order). */
typedef struct
{
  gchar *sdp;
  GPtrArray *cryptos;           /* PgsmCryptoAttribute*, owned */
} PgsmSdpOffer;

/* The outcome of reading a peer's offer or answer. When @status is 0 the
 * media can start: @local_crypto keys what we send, @remote_crypto what we
 * receive (both NULL only on a clear_media leg, with @clear set).
 * Otherwise @status is the SIP status to refuse an offer with (488) and
 * @reason says why, in words and without key material. */
typedef struct
{
  guint status;
  gchar *reason;

  PgsmSrtpSuite suite;          /* PGSM_SRTP_SUITE_NONE when @clear */
  gboolean clear;               /* clear RTP/AVP agreed (clear_media) */
  PgsmCryptoAttribute *local_crypto;
  PgsmCryptoAttribute *remote_crypto;

  gchar *remote_address;
  guint remote_rtp_port;
  guint remote_rtcp_port;
  guint payload_type;
  const gchar *encoding_name;   /* static string: "PCMU", "PCMA", "OPUS" */
  guint clock_rate;
  guint codec_id;               /* the codec as PgsmSdpLocal names it (our
                                 * payload type: PGSM_SDP_PT_*) */
  gconstpointer codec;          /* private: the codec table entry */
  /* telephone-event/8000 agreed on: its payload type (the offerer's
   * number, used both ways); 0 = none */
  guint dtmf_payload_type;

  /* the direction of the stream for us after this offer/answer: whether we
   * send (SENDRECV, SENDONLY) and whether the peer does (SENDRECV,
   * RECVONLY) */
  PgsmSdpDirection direction;

  gchar *answer_sdp;            /* only for a decision on an offer */
} PgsmSdpDecision;

PgsmSdpOffer *pgsm_sdp_offer_new (const PgsmSdpLocal * local, GError ** error);

void pgsm_sdp_offer_free (PgsmSdpOffer * offer);

PgsmSdpDecision *pgsm_sdp_answer_offer (const PgsmSdpLocal * local,
    const gchar * remote_offer);

PgsmSdpDecision *pgsm_sdp_accept_answer (const PgsmSdpLocal * local,
    const PgsmSdpOffer * offer, const gchar * remote_answer);

void pgsm_sdp_decision_free (PgsmSdpDecision * decision);

gboolean pgsm_sdp_decision_is_accepted (const PgsmSdpDecision * decision);

const gchar *pgsm_sdp_encoding_name (guint payload_type);

const gchar *pgsm_sdp_direction_name (PgsmSdpDirection direction);

gboolean pgsm_sdp_parse_suites (const gchar * list, GArray * suites,
    GError ** error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PgsmSdpOffer, pgsm_sdp_offer_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PgsmSdpDecision, pgsm_sdp_decision_free)

G_END_DECLS

#endif /* __GST_PGSM_SDP_H__ */
