/* gst-pgsm
 * Copyright (C) 2026 gst-pgsm contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* pgsmsrtpenc/pgsmsrtpdec against gst-plugins-bad's srtpenc/srtpdec:
 * identical ciphertext, each decodes the other's output; and both handed
 * out by rtpbin's request-rtp/rtcp-encoder/decoder signals. Debian 12's
 * srtpdec is fed single unshared buffers (it misuses shared ones) and
 * srtpenc's pads are requested by explicit name. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>
#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include "srtptest.h"



typedef struct
{
  const gchar *cipher;
  const gchar *auth;
  guint key_len;
} Combo;

static const Combo combos[] = {
  {"aes-128-icm", "hmac-sha1-80", 30},
  {"aes-128-icm", "hmac-sha1-32", 30},
  {"aes-256-icm", "hmac-sha1-80", 46},
  {"aes-256-icm", "hmac-sha1-32", 46},
  {"aes-128-gcm", "null", 28},
  {"aes-256-gcm", "null", 44},
};

static gboolean
have_bad_srtp (void)
{
  GstElementFactory *f = gst_element_factory_find ("srtpenc");

  if (f == NULL)
    return FALSE;
  gst_object_unref (f);
  return TRUE;
}

static GstHarness *
make_enc (const gchar * factory, const Combo * c, GstBuffer * key,
    gboolean rtcp)
{
  GstElement *e = gst_element_factory_make (factory, NULL);
  GstHarness *h;

  g_object_set (e, "key", key, NULL);
  gst_util_set_object_arg (G_OBJECT (e), "rtp-cipher", c->cipher);
  gst_util_set_object_arg (G_OBJECT (e), "rtcp-cipher", c->cipher);
  gst_util_set_object_arg (G_OBJECT (e), "rtp-auth", c->auth);
  /* SRTCP keeps an 80-bit tag except with GCM */
  gst_util_set_object_arg (G_OBJECT (e), "rtcp-auth",
      strcmp (c->auth, "null") ? "hmac-sha1-80" : "null");
  if (g_str_equal (factory, "pgsmsrtpenc"))
    g_object_set (e, "key-in-caps", TRUE, NULL);
  h = gst_harness_new_with_element (e, rtcp ? "rtcp_sink_0" : "rtp_sink_0",
      rtcp ? "rtcp_src_0" : "rtp_src_0");
  gst_object_unref (e);
  pgsm_test_srtp_enc_harness_start (h, rtcp, 4321);
  return h;
}

static GstBuffer *
key_for (const Combo * c)
{
  GstBuffer *k = gst_buffer_new_allocate (NULL, c->key_len, NULL);
  GstMapInfo map;
  guint i;

  gst_buffer_map (k, &map, GST_MAP_WRITE);
  for (i = 0; i < c->key_len; i++)
    map.data[i] = 3 * i + 1;
  gst_buffer_unmap (k, &map);
  return k;
}

GST_START_TEST (test_identical_ciphertext)
{
  guint i, j, rtcp;

  if (!have_bad_srtp ()) {
    GST_WARNING ("srtpenc not installed (gstreamer1.0-plugins-bad): skipped");
    return;
  }
  for (i = 0; i < G_N_ELEMENTS (combos); i++) {
    for (rtcp = 0; rtcp < 2; rtcp++) {
      GstBuffer *key = key_for (&combos[i]);
      GstHarness *ours = make_enc ("pgsmsrtpenc", &combos[i], key, rtcp);
      GstHarness *theirs = make_enc ("srtpenc", &combos[i], key, rtcp);

      for (j = 0; j < 5; j++) {
        GstBuffer *in =
            rtcp ? pgsm_test_rtcp_rr_new (4321) : pgsm_test_rtp_new (4321,
            65534 + j,
            160, j);
        GstBuffer *a = gst_harness_push_and_pull (ours, gst_buffer_copy (in));
        GstBuffer *b = gst_harness_push_and_pull (theirs, in);

        fail_unless (pgsm_test_buffer_equals (a, b),
            "%s/%s %s packet %u differs", combos[i].cipher, combos[i].auth,
            rtcp ? "RTCP" : "RTP", j);
        gst_buffer_unref (a);
        gst_buffer_unref (b);
      }
      gst_harness_teardown (ours);
      gst_harness_teardown (theirs);
      gst_buffer_unref (key);
    }
  }
}

GST_END_TEST;

/* our encoder (key-in-caps) -> srtpdec, srtpenc -> our decoder (caps) */
static void
cross (const Combo * c, const gchar * enc_factory, const gchar * dec_factory)
{
  GstBuffer *key = key_for (c);
  GstHarness *enc = make_enc (enc_factory, c, key, FALSE);
  GstHarness *dec = gst_harness_new_with_padnames (dec_factory, "rtp_sink",
      "rtp_src");
  GstCaps *caps;
  guint j;

  gst_harness_play (dec);
  /* prime the encoder's caps, then hand them to the decoder */
  {
    GstBuffer *first =
        gst_harness_push_and_pull (enc, pgsm_test_rtp_new (4321, 1, 80,
            0));

    caps = gst_pad_get_current_caps (enc->sinkpad);
    fail_unless (caps != NULL);
    gst_harness_set_src_caps (dec, caps);
    gst_buffer_unref (first);
  }
  for (j = 2; j < 12; j++) {
    GstBuffer *in = pgsm_test_rtp_new (4321, j, 160, j);
    GstBuffer *orig = gst_buffer_copy_deep (in);
    GstBuffer *p = gst_harness_push_and_pull (enc, in), *out;

    /* single, unshared buffer */
    fail_unless (GST_MINI_OBJECT_REFCOUNT_VALUE (p) == 1);
    fail_unless_equals_int (gst_harness_push (dec, p), GST_FLOW_OK);
    out = gst_harness_try_pull (dec);
    fail_unless (out != NULL, "%s -> %s (%s/%s): packet %u lost",
        enc_factory, dec_factory, c->cipher, c->auth, j);
    fail_unless (pgsm_test_buffer_equals (out, orig));
    gst_buffer_unref (out);
    gst_buffer_unref (orig);
  }
  gst_harness_teardown (enc);
  gst_harness_teardown (dec);
  gst_buffer_unref (key);
}

GST_START_TEST (test_cross_decode)
{
  guint i;

  if (!have_bad_srtp ()) {
    GST_WARNING ("srtpenc not installed (gstreamer1.0-plugins-bad): skipped");
    return;
  }
  for (i = 0; i < G_N_ELEMENTS (combos); i++) {
    cross (&combos[i], "pgsmsrtpenc", "srtpdec");
    cross (&combos[i], "srtpenc", "pgsmsrtpdec");
  }
}

GST_END_TEST;

static GstElement *rtpbin_enc, *rtpbin_dec;

/* As with srtpenc, the application requests the encoder's sink pad by
 * name (rtp_sink_<session>, rtcp_sink_<session>) before handing it out:
 * rtpbin then takes both pads of the pair as static pads. */
static GstElement *
request_encoder_cb (GstElement * rtpbin, guint session, const gchar * kind)
{
  gchar *name = g_strdup_printf ("%s_sink_%u", kind, session);
  GstPad *pad = gst_element_get_static_pad (rtpbin_enc, name);

  if (pad == NULL)
    pad = gst_element_request_pad_simple (rtpbin_enc, name);
  fail_unless (pad != NULL);
  gst_object_unref (pad);
  g_free (name);
  return gst_object_ref (rtpbin_enc);
}

static GstElement *
request_decoder_cb (GstElement * rtpbin, guint session, gpointer user_data)
{
  return gst_object_ref (rtpbin_dec);
}

static GstPadProbeReturn
count_cb (GstPad * pad, GstPadProbeInfo * info, gint * count)
{
  g_atomic_int_inc (count);
  return GST_PAD_PROBE_OK;
}

static void
pad_added_cb (GstElement * rtpbin, GstPad * pad, GstElement * sink)
{
  GstPad *sinkpad;

  if (!g_str_has_prefix (GST_PAD_NAME (pad), "recv_rtp_src_"))
    return;
  sinkpad = gst_element_get_static_pad (sink, "sink");
  fail_unless_equals_int (gst_pad_link (pad, sinkpad), GST_PAD_LINK_OK);
  gst_object_unref (sinkpad);
}

GST_START_TEST (test_rtpbin_request_encoder_decoder)
{
  GstElement *pipe = gst_pipeline_new (NULL);
  GstElement *src = gst_element_factory_make ("audiotestsrc", NULL);
  GstElement *enc = gst_element_factory_make ("mulawenc", NULL);
  GstElement *pay = gst_element_factory_make ("rtppcmupay", NULL);
  GstElement *rb1 = gst_element_factory_make ("rtpbin", "rb1");
  GstElement *rb2 = gst_element_factory_make ("rtpbin", "rb2");
  GstElement *sink = gst_element_factory_make ("fakesink", NULL);
  GstBuffer *key = gst_buffer_new_memdup (pgsm_test_rfc3711_master, 30);
  GstPad *p1, *p2, *sinkpad;
  GstMessage *msg;
  GstBus *bus;
  gint count = 0;
  guint64 enc_packets = 0, dec_packets = 0;
  GstStructure *stats;

  fail_unless (src && enc && pay && rb1 && rb2 && sink);
  rtpbin_enc = gst_element_factory_make ("pgsmsrtpenc", NULL);
  rtpbin_dec = gst_element_factory_make ("pgsmsrtpdec", NULL);
  g_object_set (rtpbin_enc, "key", key, NULL);
  g_object_set (rtpbin_dec, "key", key, NULL);
  g_object_set (src, "num-buffers", 30, NULL);
  g_object_set (sink, "sync", FALSE, "async", FALSE, NULL);
  g_object_set (rb2, "latency", 10, NULL);
  g_signal_connect (rb1, "request-rtp-encoder",
      G_CALLBACK (request_encoder_cb), (gpointer) "rtp");
  g_signal_connect (rb1, "request-rtcp-encoder",
      G_CALLBACK (request_encoder_cb), (gpointer) "rtcp");
  g_signal_connect (rb2, "request-rtp-decoder",
      G_CALLBACK (request_decoder_cb), NULL);
  g_signal_connect (rb2, "request-rtcp-decoder",
      G_CALLBACK (request_decoder_cb), NULL);
  g_signal_connect (rb2, "pad-added", G_CALLBACK (pad_added_cb), sink);

  gst_bin_add_many (GST_BIN (pipe), src, enc, pay, rb1, rb2, sink, NULL);
  fail_unless (gst_element_link_many (src, enc, pay, NULL));
  fail_unless (gst_element_link_pads (pay, "src", rb1, "send_rtp_sink_0"));
  p1 = gst_element_get_static_pad (rb1, "send_rtp_src_0");
  p2 = gst_element_request_pad_simple (rb2, "recv_rtp_sink_0");
  fail_unless (p1 && p2);
  fail_unless_equals_int (gst_pad_link (p1, p2), GST_PAD_LINK_OK);
  sinkpad = gst_element_get_static_pad (sink, "sink");
  gst_pad_add_probe (sinkpad, GST_PAD_PROBE_TYPE_BUFFER,
      (GstPadProbeCallback) count_cb, &count, NULL);

  bus = gst_element_get_bus (pipe);
  fail_unless (gst_element_set_state (pipe, GST_STATE_PLAYING) !=
      GST_STATE_CHANGE_FAILURE);
  msg = gst_bus_timed_pop_filtered (bus, 20 * GST_SECOND,
      GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  fail_unless (msg != NULL, "no EOS");
  fail_unless_equals_int (GST_MESSAGE_TYPE (msg), GST_MESSAGE_EOS);
  gst_message_unref (msg);

  g_object_get (rtpbin_enc, "stats", &stats, NULL);
  gst_structure_get_uint64 (stats, "packets", &enc_packets);
  gst_structure_free (stats);
  g_object_get (rtpbin_dec, "stats", &stats, NULL);
  gst_structure_get_uint64 (stats, "recv-count", &dec_packets);
  gst_structure_free (stats);
  fail_unless (enc_packets >= 30, "encoder protected %" G_GUINT64_FORMAT,
      enc_packets);
  fail_unless (dec_packets >= 30);
  fail_unless (g_atomic_int_get (&count) >= 25, "only %d buffers", count);

  gst_element_set_state (pipe, GST_STATE_NULL);
  gst_object_unref (bus);
  gst_object_unref (sinkpad);
  gst_object_unref (p1);
  gst_element_release_request_pad (rb2, p2);
  gst_object_unref (p2);
  gst_object_unref (pipe);
  gst_object_unref (rtpbin_enc);
  gst_object_unref (rtpbin_dec);
  gst_buffer_unref (key);
}

GST_END_TEST;

static Suite *
pgsmsrtpinterop_suite (void)
{
  Suite *s = suite_create ("pgsmsrtpinterop");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_identical_ciphertext);
  tcase_add_test (tc, test_cross_decode);
  tcase_add_test (tc, test_rtpbin_request_encoder_decoder);
  return s;
}

GST_CHECK_MAIN (pgsmsrtpinterop);
