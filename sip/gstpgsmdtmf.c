/* gst-pgsm
 * Copyright (C) 2026 gst-pgsm contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* Digits go out as RFC 4733 telephone-events: for each one an upstream
 * `dtmf-event` (start) to rtpdtmfsrc, which sends the event packets (the
 * call's rtpdtmfmux gives them the audio stream's SSRC and sequence), then
 * a stop event GST_PGSM_DTMF_TONE_MS later and the next digit after
 * GST_PGSM_DTMF_GAP_MS. The steps are single-shot waits on the system
 * clock, so no main loop is involved; each holds a reference. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstpgsmdtmf.h"

#include <string.h>

GST_DEBUG_CATEGORY_STATIC (pgsm_dtmf_debug);
#define GST_CAT_DEFAULT pgsm_dtmf_debug
static gsize debug_once = 0;

/* RFC 4733 3.2: 0-9, *, #, A-D */
static const gchar dtmf_digits[] = "0123456789*#ABCD";

/* volume of our tones, in -dBm0 (RFC 4733 2.5.2.2) */
#define DTMF_VOLUME 10

struct _GstPgsmDtmfSender
{
  gint ref_count;
  GMutex lock;
  GstElement *src;
  GstClock *clock;
  GString *queue;               /* digits still to play */
  gboolean running;             /* a step is scheduled */
  gboolean tone_on;
  gboolean stopped;
  GstClockID pending;
};

gint
gst_pgsm_dtmf_event_from_digit (gchar digit)
{
  const gchar *p;

  if (digit == '\0')
    return -1;
  p = strchr (dtmf_digits, g_ascii_toupper (digit));
  return p ? (gint) (p - dtmf_digits) : -1;
}

gchar
gst_pgsm_dtmf_digit_from_event (gint event)
{
  if (event < 0 || event >= (gint) strlen (dtmf_digits))
    return '\0';
  return dtmf_digits[event];
}

gboolean
gst_pgsm_dtmf_digits_valid (const gchar * digits)
{
  gsize i, n;

  if (digits == NULL)
    return FALSE;
  n = strlen (digits);
  if (n == 0 || n > GST_PGSM_DTMF_MAX_DIGITS)
    return FALSE;
  for (i = 0; i < n; i++)
    if (gst_pgsm_dtmf_event_from_digit (digits[i]) < 0)
      return FALSE;
  return TRUE;
}

GstPgsmDtmfSender *
gst_pgsm_dtmf_sender_new (GstElement * rtpdtmfsrc)
{
  GstPgsmDtmfSender *sender;

  g_return_val_if_fail (GST_IS_ELEMENT (rtpdtmfsrc), NULL);

  if (g_once_init_enter (&debug_once)) {
    GST_DEBUG_CATEGORY_INIT (pgsm_dtmf_debug, "pgsmdtmf", 0,
        "pgsmsipbin DTMF sender");
    g_once_init_leave (&debug_once, 1);
  }
  sender = g_new0 (GstPgsmDtmfSender, 1);
  sender->ref_count = 1;
  g_mutex_init (&sender->lock);
  sender->src = gst_object_ref (rtpdtmfsrc);
  sender->clock = gst_system_clock_obtain ();
  sender->queue = g_string_new (NULL);
  return sender;
}

static GstPgsmDtmfSender *
sender_ref (GstPgsmDtmfSender * sender)
{
  g_atomic_int_inc (&sender->ref_count);
  return sender;
}

void
gst_pgsm_dtmf_sender_unref (GstPgsmDtmfSender * sender)
{
  if (sender == NULL || !g_atomic_int_dec_and_test (&sender->ref_count))
    return;
  gst_object_unref (sender->src);
  gst_object_unref (sender->clock);
  g_string_free (sender->queue, TRUE);
  g_mutex_clear (&sender->lock);
  g_free (sender);
}

static void
send_event (GstElement * src, gint event, gboolean start)
{
  GstStructure *s = gst_structure_new ("dtmf-event", "type", G_TYPE_INT, 1,
      "number", G_TYPE_INT, MAX (event, 0), "volume", G_TYPE_INT, DTMF_VOLUME,
      "start", G_TYPE_BOOLEAN, start, NULL);
  GstPad *pad = gst_element_get_static_pad (src, "src");
  gboolean ok;

  /* an upstream event, handled by rtpdtmfsrc's src pad (as if it came from
   * the muxer) */
  ok = gst_pad_send_event (pad, gst_event_new_custom
      (GST_EVENT_CUSTOM_UPSTREAM, s));
  gst_object_unref (pad);
  if (!ok)
    GST_WARNING_OBJECT (src, "DTMF %s event refused", start ? "start" : "stop");
}

static gboolean step_cb (GstClock * clock, GstClockTime time, GstClockID id,
    gpointer data);

/* Schedules the next step @ms from now. Called with the lock. */
static void
schedule_locked (GstPgsmDtmfSender * sender, guint ms)
{
  GstClockTime at = gst_clock_get_time (sender->clock) + ms * GST_MSECOND;

  if (sender->pending != NULL)
    gst_clock_id_unref (sender->pending);
  sender->pending = gst_clock_new_single_shot_id (sender->clock, at);
  sender->running = TRUE;
  gst_clock_id_wait_async (sender->pending, step_cb, sender_ref (sender),
      (GDestroyNotify) gst_pgsm_dtmf_sender_unref);
}

/* One step: end the tone that plays, or start the next digit */
static gboolean
step_cb (GstClock * clock, GstClockTime time, GstClockID id, gpointer data)
{
  GstPgsmDtmfSender *sender = data;
  gint event = -1;
  gboolean stop_tone = FALSE;

  g_mutex_lock (&sender->lock);
  if (id != sender->pending || sender->stopped) {
    g_mutex_unlock (&sender->lock);
    return TRUE;
  }
  if (sender->tone_on) {
    sender->tone_on = FALSE;
    stop_tone = TRUE;
    schedule_locked (sender, GST_PGSM_DTMF_GAP_MS);
  } else if (sender->queue->len > 0) {
    event = gst_pgsm_dtmf_event_from_digit (sender->queue->str[0]);
    g_string_erase (sender->queue, 0, 1);
    sender->tone_on = TRUE;
    schedule_locked (sender, GST_PGSM_DTMF_TONE_MS);
  } else {
    sender->running = FALSE;
    g_clear_pointer (&sender->pending, gst_clock_id_unref);
  }
  g_mutex_unlock (&sender->lock);

  /* outside the lock: rtpdtmfsrc takes its own */
  if (stop_tone)
    send_event (sender->src, 0, FALSE);
  else if (event >= 0) {
    GST_DEBUG_OBJECT (sender->src, "DTMF event %d", event);
    send_event (sender->src, event, TRUE);
  }
  return TRUE;
}

gboolean
gst_pgsm_dtmf_sender_send (GstPgsmDtmfSender * sender, const gchar * digits)
{
  gboolean ok = FALSE;

  g_return_val_if_fail (sender != NULL, FALSE);
  g_return_val_if_fail (gst_pgsm_dtmf_digits_valid (digits), FALSE);

  g_mutex_lock (&sender->lock);
  if (!sender->stopped
      && sender->queue->len + strlen (digits) <= GST_PGSM_DTMF_MAX_DIGITS) {
    g_string_append (sender->queue, digits);
    if (!sender->running)
      schedule_locked (sender, 0);
    ok = TRUE;
  }
  g_mutex_unlock (&sender->lock);
  return ok;
}

void
gst_pgsm_dtmf_sender_stop (GstPgsmDtmfSender * sender)
{
  gboolean tone_on;

  g_return_if_fail (sender != NULL);

  g_mutex_lock (&sender->lock);
  sender->stopped = TRUE;
  tone_on = sender->tone_on;
  sender->tone_on = FALSE;
  g_string_truncate (sender->queue, 0);
  if (sender->pending != NULL) {
    gst_clock_id_unschedule (sender->pending);
    g_clear_pointer (&sender->pending, gst_clock_id_unref);
  }
  g_mutex_unlock (&sender->lock);
  if (tone_on)
    send_event (sender->src, 0, FALSE);
}
