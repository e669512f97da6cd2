/* gst-pgsm
 * Copyright (C) 2026 gst-pgsm contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* What the SRTP suites (elements/pgsmsrtpenc.c, pgsmsrtpdec.c,
 * pgsmsrtpinterop.c) share: test packets, a key and GstHarness set-ups
 * of the two elements. */

#ifndef __PGSM_TEST_SRTP_H__
#define __PGSM_TEST_SRTP_H__

#include <gst/gst.h>
#include <gst/check/gstharness.h>

G_BEGIN_DECLS
/* The master key (16 bytes) and salt (14) of RFC 3711 Appendix B.3 */
extern const guint8 pgsm_test_rfc3711_master[30];

/* A buffer with the bytes of @hex (an even number of hex digits) */
GstBuffer *pgsm_test_buffer_from_hex (const gchar * hex);

/* An RTP packet in one memory of exactly its size (as payloaders allocate
 * them): version 2, PT 0, @seq, timestamp @seq * 160, @ssrc, then
 * @payload_len bytes @fill, @fill + 1, ... */
GstBuffer *pgsm_test_rtp_new (guint32 ssrc, guint16 seq, gsize payload_len,
    guint8 fill);

/* An RTCP receiver report of @ssrc with no report blocks (8 bytes) */
GstBuffer *pgsm_test_rtcp_rr_new (guint32 ssrc);

/* TRUE when @a and @b hold the same bytes */
gboolean pgsm_test_buffer_equals (GstBuffer * a, GstBuffer * b);

/* A harness around a pgsmsrtpenc with the properties given as for
 * g_object_set() (set before the harness starts the element: its key
 * first), on its RTP or (@rtcp) RTCP pads number 0 */
GstHarness *
pgsm_test_srtp_enc_harness (gboolean rtcp, const gchar * first_property, ...)
    G_GNUC_NULL_TERMINATED;

/* Plays @h and sets RTP caps (PCMU, 8 kHz, @ssrc) or RTCP caps on its
 * source */
     void pgsm_test_srtp_enc_harness_start (GstHarness * h, gboolean rtcp,
    guint32 ssrc);

/* A harness around a pgsmsrtpdec on its RTP or (@rtcp) RTCP pads */
     GstHarness *pgsm_test_srtp_dec_harness (gboolean rtcp);

/* Plays @h and sets SRTP (PCMU, 8 kHz) or SRTCP caps on its source */
     void pgsm_test_srtp_dec_harness_start (GstHarness * h, gboolean rtcp);

G_END_DECLS
#endif /* __PGSM_TEST_SRTP_H__ */
