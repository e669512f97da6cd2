/* gst-pgsm
 * Copyright (C) 2026 gst-pgsm contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* RFC 4733 DTMF of pgsmsipbin: digits and event numbers, and a sender that
 * plays queued digits through an rtpdtmfsrc, one tone after the other, on
 * the system clock (no main loop needed). */

#ifndef __GST_PGSM_DTMF_H__
#define __GST_PGSM_DTMF_H__

#include <gst/gst.h>

G_BEGIN_DECLS

/* How long each tone lasts and the pause after it */
#define GST_PGSM_DTMF_TONE_MS 160
#define GST_PGSM_DTMF_GAP_MS 80
/* The most digits one send-dtmf may queue */
#define GST_PGSM_DTMF_MAX_DIGITS 64

/* 0-9 -> 0-9, '*' -> 10, '#' -> 11, 'A'-'D' (or a-d) -> 12-15; -1 when
 * @digit is none of these (RFC 4733 3.2) */
gint gst_pgsm_dtmf_event_from_digit (gchar digit);

/* The reverse; '\0' for an event that is not a DTMF digit */
gchar gst_pgsm_dtmf_digit_from_event (gint event);

/* TRUE when @digits is 1..GST_PGSM_DTMF_MAX_DIGITS DTMF digits */
gboolean gst_pgsm_dtmf_digits_valid (const gchar * digits);

typedef struct _GstPgsmDtmfSender GstPgsmDtmfSender;

/* A sender for @rtpdtmfsrc (a reference is taken) */
GstPgsmDtmfSender *gst_pgsm_dtmf_sender_new (GstElement * rtpdtmfsrc);

/* Queues @digits (checked with gst_pgsm_dtmf_digits_valid()) behind those
 * still playing; returns FALSE when they do not fit in the queue */
gboolean gst_pgsm_dtmf_sender_send (GstPgsmDtmfSender * sender,
    const gchar * digits);

/* Drops the queue and ends a tone in progress; the sender sends nothing
 * more. Call before the rtpdtmfsrc stops. */
void gst_pgsm_dtmf_sender_stop (GstPgsmDtmfSender * sender);

void gst_pgsm_dtmf_sender_unref (GstPgsmDtmfSender * sender);

G_END_DECLS

#endif /* __GST_PGSM_DTMF_H__ */
