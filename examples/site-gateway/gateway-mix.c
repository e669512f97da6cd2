/* gst-pgsm
 * Copyright (C) 2026 gst-pgsm contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#include "gateway-mix.h"

/* What a route may hold before it drops the oldest audio: a leg that
 * stalls must not delay the others */
#define ROUTE_QUEUE_MS 200
/* How late a leg's audio may reach a mix: the legs come out of rtpbin's
 * jitter buffers at their own pace */
#define MIX_LATENCY_MS 100

struct _PgsmGatewayPort
{
  GstBin *pipeline;
  GstElement *silence;          /* keeps the mix running with no voice */
  GstElement *mixer;
  GstElement *capsfilter;
  GstElement *tee;              /* the voice of the call in the slot */
  GstElement *sipbin;
  GstPad *sinkpad;              /* the bin's sink pad of the slot */
};

struct _PgsmGatewayRoute
{
  PgsmGatewayPort *from;
  PgsmGatewayPort *to;
  GstPad *tee_pad;
  GstElement *queue;
  GstPad *mixer_pad;
};

PgsmGatewayPort *
pgsm_gateway_port_new (GstBin * pipeline, GstElement * sipbin, guint slot,
    GError ** error)
{
  PgsmGatewayPort *port = g_new0 (PgsmGatewayPort, 1);
  GstCaps *caps = gst_caps_from_string (PGSM_GATEWAY_MIX_CAPS);
  GstPad *pad;

  port->pipeline = pipeline;
  port->sipbin = sipbin;
  port->silence = gst_element_factory_make ("audiotestsrc", NULL);
  port->mixer = gst_element_factory_make ("audiomixer", NULL);
  port->capsfilter = gst_element_factory_make ("capsfilter", NULL);
  port->tee = gst_element_factory_make ("tee", NULL);
  if (port->silence == NULL || port->mixer == NULL || port->tee == NULL
      || port->capsfilter == NULL) {
    g_set_error (error, GST_CORE_ERROR, GST_CORE_ERROR_MISSING_PLUGIN,
        "audiotestsrc, audiomixer, capsfilter or tee is missing "
        "(gst-plugins-base, gstreamer)");
    gst_clear_object (&port->silence);
    gst_clear_object (&port->mixer);
    gst_clear_object (&port->capsfilter);
    gst_clear_object (&port->tee);
    gst_caps_unref (caps);
    g_free (port);
    return NULL;
  }
  g_object_set (port->silence, "wave", 4 /* silence */ , "is-live", TRUE,
      "samplesperbuffer", 160, NULL);
  g_object_set (port->mixer, "latency",
      (guint64) MIX_LATENCY_MS * GST_MSECOND, NULL);
  /* The mix starts at the running time of its first input buffer (the
   * silence source's first, made in PLAYING). With the default, "zero",
   * a mixer that got the clock before its base time times out at once
   * and makes silence as fast as it can while the pipeline starts: that
   * put a slot's mix up to 27 s ahead of the clock, and a call later put
   * in that slot heard nothing until the clock caught up (seen in 1 of
   * 5-20 loaded runs of the gateway test, never with "first") */
  gst_util_set_object_arg (G_OBJECT (port->mixer), "start-time-selection",
      "first");
  g_object_set (port->capsfilter, "caps", caps, NULL);
  gst_caps_unref (caps);
  /* no call in the slot: nothing is linked to the tee */
  g_object_set (port->tee, "allow-not-linked", TRUE, NULL);
  gst_bin_add_many (pipeline, port->silence, port->mixer, port->capsfilter,
      port->tee, NULL);

  if (slot == 0) {
    port->sinkpad = gst_element_get_static_pad (sipbin, "sink");
  } else {
    gchar *name = g_strdup_printf ("sink_%u", slot);

    port->sinkpad = gst_element_request_pad_simple (sipbin, name);
    g_free (name);
  }
  pad = gst_element_get_static_pad (port->capsfilter, "src");
  if (port->sinkpad == NULL
      || !gst_element_link_pads (port->silence, "src", port->mixer, "sink_%u")
      || !gst_element_link (port->mixer, port->capsfilter)
      || gst_pad_link (pad, port->sinkpad) != GST_PAD_LINK_OK) {
    g_set_error (error, GST_CORE_ERROR, GST_CORE_ERROR_NEGOTIATION,
        "could not link the mix of slot %u", slot);
    gst_object_unref (pad);
    pgsm_gateway_port_free (port);
    return NULL;
  }
  gst_object_unref (pad);
  if (slot == 0) {
    pad = gst_element_get_static_pad (sipbin, "src");
    pgsm_gateway_port_link_src (port, pad);
    gst_object_unref (pad);
  }
  return port;
}

void
pgsm_gateway_port_free (PgsmGatewayPort * port)
{
  GstElement *e[4];
  guint i;

  if (port == NULL)
    return;
  e[0] = port->silence;
  e[1] = port->mixer;
  e[2] = port->capsfilter;
  e[3] = port->tee;
  /* sink_n was requested; slot 0's `sink` is an always pad */
  if (port->sinkpad != NULL && GST_PAD_PAD_TEMPLATE (port->sinkpad) != NULL
      && GST_PAD_TEMPLATE_PRESENCE (GST_PAD_PAD_TEMPLATE (port->sinkpad)) ==
      GST_PAD_REQUEST)
    gst_element_release_request_pad (port->sipbin, port->sinkpad);
  gst_clear_object (&port->sinkpad);
  for (i = 0; i < G_N_ELEMENTS (e); i++) {
    if (e[i] == NULL)
      continue;
    gst_element_set_state (e[i], GST_STATE_NULL);
    if (GST_OBJECT_PARENT (e[i]) != NULL)
      gst_bin_remove (port->pipeline, e[i]);
  }
  g_free (port);
}

/* The bin's src pad of the slot (always `src` for slot 0, `src_n` when
 * a call in slot n starts) into the port's tee */
gboolean
pgsm_gateway_port_link_src (PgsmGatewayPort * port, GstPad * srcpad)
{
  GstPad *sink = gst_element_get_static_pad (port->tee, "sink");
  gboolean ok = TRUE;

  if (!gst_pad_is_linked (sink))
    ok = gst_pad_link (srcpad, sink) == GST_PAD_LINK_OK;
  gst_object_unref (sink);
  return ok;
}

PgsmGatewayRoute *
pgsm_gateway_route_new (PgsmGatewayPort * from, PgsmGatewayPort * to)
{
  PgsmGatewayRoute *r = g_new0 (PgsmGatewayRoute, 1);
  GstPad *qsink, *qsrc;

  r->from = from;
  r->to = to;
  r->queue = gst_object_ref (gst_element_factory_make ("queue", NULL));
  g_object_set (r->queue, "max-size-time",
      (guint64) ROUTE_QUEUE_MS * GST_MSECOND, "max-size-buffers", 0,
      "max-size-bytes", 0, "leaky", 2 /* downstream: drop the oldest */ ,
      NULL);
  gst_bin_add (from->pipeline, r->queue);
  r->mixer_pad = gst_element_request_pad_simple (to->mixer, "sink_%u");
  qsrc = gst_element_get_static_pad (r->queue, "src");
  gst_pad_link (qsrc, r->mixer_pad);
  gst_object_unref (qsrc);
  gst_element_sync_state_with_parent (r->queue);
  /* last: audio starts to flow into a running queue */
  r->tee_pad = gst_element_request_pad_simple (from->tee, "src_%u");
  qsink = gst_element_get_static_pad (r->queue, "sink");
  gst_pad_link (r->tee_pad, qsink);
  gst_object_unref (qsink);
  return r;
}

void
pgsm_gateway_route_free (PgsmGatewayRoute * r)
{
  GstPad *qsink;

  if (r == NULL)
    return;
  /* first cut the voice off (the tee goes on for the other routes) */
  qsink = gst_element_get_static_pad (r->queue, "sink");
  gst_pad_unlink (r->tee_pad, qsink);
  gst_object_unref (qsink);
  gst_element_release_request_pad (r->from->tee, r->tee_pad);
  gst_object_unref (r->tee_pad);
  /* then give the mixer its pad back: that flushes the pad and so wakes
   * the queue's thread if it waits there for the mixer; only then can the
   * queue stop (its thread holds the stream lock its pads need) */
  gst_element_release_request_pad (r->to->mixer, r->mixer_pad);
  gst_object_unref (r->mixer_pad);
  gst_element_set_state (r->queue, GST_STATE_NULL);
  gst_bin_remove (r->from->pipeline, r->queue);
  gst_object_unref (r->queue);
  g_free (r);
}
